"""Render nbs/index.ipynb as README.md (what `nbdev_readme` does with Quarto, which these machines lack).

    python .ci/readme.py          # write README.md
    python .ci/readme.py --check  # exit 1 if README.md is not what index.ipynb renders to
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _text(x): return ''.join(x) if isinstance(x, list) else x


def _outputs(cell):
    out = []
    for o in cell.get('outputs', []):
        if o.get('output_type') == 'stream' and o.get('name') == 'stdout': out.append(_text(o['text']))
        elif o.get('output_type') in ('execute_result', 'display_data') and 'text/plain' in o.get('data', {}):
            if 'image/png' in o['data']: continue  # figures live in the docs site
            out.append(_text(o['data']['text/plain']))
    return '\n'.join(s.rstrip('\n') for s in out if s.strip())


def render(nb_path=ROOT / 'nbs' / 'index.ipynb'):
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = []
    for cell in nb['cells']:
        src = _text(cell['source']).strip('\n')
        if cell['cell_type'] == 'markdown':
            parts.append(src)
            continue
        if re.search(r'^#\|\s*hide', src, re.M): continue
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip('\n')
        if code: parts.append(f"```python\n{code}\n```")
        out = _outputs(cell)
        if out: parts.append(f"```\n{out}\n```")
    return ("<!-- Written by .ci/readme.py from nbs/index.ipynb: edit the notebook, not this file. -->\n\n"
            + '\n\n'.join(parts) + '\n')


if __name__ == '__main__':
    readme = ROOT / 'README.md'
    text = render()
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text(encoding='utf-8') != text:
            sys.exit("README.md is not in step with nbs/index.ipynb: run `python .ci/readme.py`.")
        print("README.md is in step with nbs/index.ipynb")
    else:
        readme.write_text(text, encoding='utf-8')
