"""Keep the notebooks light: every notebook under 300 KB, the stored outputs of all of nbs/ under 600 KB.

The second limit counts outputs — figures, tables, printed text — because they are what makes a notebook heavy to
open, diff and download; prose, code and tests are the chapters themselves and grow with the library (the limit was
2 MB on whole files until the tests of the fault-tolerance issue pushed the source past it).

    python .ci/notebook_weight.py         # print the sizes; exit 1 if a limit is broken (CI runs this)
    python .ci/notebook_weight.py --slim  # slim the stored outputs, then print the sizes

`--slim` does three things to what running the notebooks stored, and nothing else: it drops the outputs of cells
that only call `show_doc` (the docs build runs every such cell again and renders what it returns, so the stored
copies only add weight: a sixth of nbs/), it re-encodes each PNG figure with a 256-colour palette where that is
smaller (plots look the same at a third to half of the bytes), and it drops the `<style scoped>` block pandas puts
before every table's HTML (three alignment rules, repeated in each table; the site styles its tables itself). Run
it after re-running a chapter, then `nbdev_clean`.
"""
import base64, io, json, re, sys
from pathlib import Path

NBS = Path(__file__).resolve().parent.parent / 'nbs'
MAX_NOTEBOOK, MAX_OUTPUTS = 300_000, 600_000  # bytes


def _show_doc_only(cell) -> bool:
    lines = [l for l in ''.join(cell['source']).splitlines() if l.strip() and not l.startswith('#|')]
    return cell['cell_type'] == 'code' and bool(lines) and all(re.match(r'show_doc\(', l) for l in lines)


def _palette_png(data: str) -> str:
    "A base64 PNG re-encoded with a 256-colour palette, if that is smaller (else `data` unchanged)."
    from PIL import Image  # Pillow is a dependency of rice_prune
    png = base64.b64decode(data)
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert('RGB').quantize(256).save(out, 'PNG', optimize=True)
    return base64.b64encode(out.getvalue()).decode() + '\n' if out.tell() < 0.9 * len(png) else data


_PANDAS_STYLE = re.compile(r'<style scoped>\s*\.dataframe.*?</style>\n?', re.S)

def _without_pandas_style(html):
    "A DataFrame's HTML output (a string or a list of lines) without the scoped <style> block pandas prepends."
    text = ''.join(html) if isinstance(html, list) else html
    new = _PANDAS_STYLE.sub('', text, count=1)
    return html if new == text else new.splitlines(True)


def slim(path: Path) -> tuple:
    "Drop `path`'s show_doc outputs and tables' styles, palette-encode its PNG figures: (cells cleared, outputs slimmed)."
    nb = json.loads(path.read_text(encoding='utf-8'))
    cleared = figures = 0
    for cell in nb['cells']:
        if _show_doc_only(cell) and cell.get('outputs'): cell['outputs'], cleared = [], cleared + 1
        for out in cell.get('outputs', []):
            data = out.get('data', {})
            if 'text/html' in data:
                html = _without_pandas_style(data['text/html'])
                if html is not data['text/html']: data['text/html'], figures = html, figures + 1
            if 'image/png' not in data: continue
            old = ''.join(data['image/png']) if isinstance(data['image/png'], list) else data['image/png']
            new = _palette_png(old)
            if new != old: data['image/png'], figures = new, figures + 1
    if cleared or figures: path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    return cleared, figures


def _output_bytes(path: Path) -> int:
    "The bytes of the stored outputs of `path`'s cells, as JSON."
    return sum(len(json.dumps(c.get('outputs', []), ensure_ascii=False)) for c in json.loads(path.read_text(encoding='utf-8'))['cells'])


def main(argv) -> int:
    notebooks = sorted(NBS.glob('*.ipynb'))
    if '--slim' in argv:
        for p in notebooks:
            cleared, figures = slim(p)
            if cleared or figures: print(f"{p.name}: {cleared} show_doc outputs dropped, {figures} figures or tables slimmed")
    sizes = {p.name: p.stat().st_size for p in notebooks}
    outputs = sum(_output_bytes(p) for p in notebooks)
    total, heavy = sum(sizes.values()), {n: s for n, s in sizes.items() if s > MAX_NOTEBOOK}
    for name, size in sorted(sizes.items(), key=lambda x: -x[1])[:5]: print(f"{size:>9,} B  {name}")
    print(f"{total:>9,} B  nbs/ in all ({len(sizes)} notebooks, at most {MAX_NOTEBOOK:,} B each), of which "
          f"{outputs:,} B stored outputs (at most {MAX_OUTPUTS:,} B)")
    for name, size in heavy.items(): print(f"{name} weighs {size:,} B, over {MAX_NOTEBOOK:,} B")
    if outputs > MAX_OUTPUTS: print(f"the stored outputs of nbs/ weigh {outputs:,} B, over {MAX_OUTPUTS:,} B")
    return 1 if heavy or outputs > MAX_OUTPUTS else 0


if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
