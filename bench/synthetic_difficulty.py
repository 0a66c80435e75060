"""How hard is the synthetic rice? Train the study's plain CNN on it and report test accuracy.

The stand-in must be learnable but not trivially separable: the CNN should score high but not
100 %. As a second reference, a Gaussian classifier on the hand-measured grain features
(length, width, aspect ratio, area, colour) shows how much of the task shape alone explains.

    python bench/synthetic_difficulty.py [--n-per-class 1000] [--size 128] [--epochs 8] [--dest DIR]

Run with TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS set on a shared machine.
"""
import argparse, os, shutil, tempfile
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np
from PIL import Image

from timing import timed


def load(root, classes, size):
    "All images of `root`, resized to `size`, as uint8 arrays, with integer labels and 'Variety/file' names."
    xs, ys, names = [], [], []
    for k, c in enumerate(classes):
        for f in sorted((root / c).glob('*.jpg')):
            with Image.open(f) as im: xs.append(np.asarray(im.convert('RGB').resize((size, size), Image.BILINEAR)))
            ys.append(k); names.append(f'{c}/{f.name}')
    return np.stack(xs), np.array(ys), np.array(names)


def split(n, seed, fractions=(0.8, 0.1, 0.1)):
    "Shuffled train / validation / test index arrays."
    idx = np.random.default_rng(seed).permutation(n)
    a, b = int(fractions[0] * n), int((fractions[0] + fractions[1]) * n)
    return idx[:a], idx[a:b], idx[b:]


def study_cnn(input_shape, num_classes):
    "SPEC model 1, defined inline: Conv32-pool-Conv64-pool-Conv128-pool-Flatten-Dense128-Dense5."
    import keras
    from keras import layers
    return keras.Sequential([
        keras.Input(input_shape), layers.Rescaling(1 / 255),
        layers.Conv2D(32, 3, padding='same', activation='relu'), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, padding='same', activation='relu'), layers.MaxPooling2D(2),
        layers.Conv2D(128, 3, padding='same', activation='relu'), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(128, activation='relu'), layers.Dense(num_classes, activation='softmax')])


def gaussian_classifier_accuracy(train, test, features):
    "Accuracy of a class-conditional Gaussian (full covariance, equal priors) on hand-measured features."
    classes = sorted(train.variety.unique())
    params = []
    for c in classes:
        x = train.loc[train.variety == c, features].to_numpy(float)
        cov = np.cov(x, rowvar=False) + 1e-6 * np.eye(len(features))
        params.append((x.mean(0), np.linalg.inv(cov), np.linalg.slogdet(cov)[1]))
    xt = test[features].to_numpy(float)
    scores = np.stack([-0.5 * (np.einsum('ij,jk,ik->i', xt - m, P, xt - m) + ld) for m, P, ld in params], 1)
    return float((np.array(classes)[scores.argmax(1)] == test.variety.to_numpy()).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n-per-class', type=int, default=1000)
    ap.add_argument('--size', type=int, default=128, help='images are resized to size x size for the CNN')
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--dest', default=None, help='where to write (or reuse) the synthetic data; default: a temporary folder')
    args = ap.parse_args()

    import keras
    from rice_prune.synthetic import RICE_CLASSES, make_synthetic_rice, measure_grains

    dest = Path(args.dest) if args.dest else Path(tempfile.mkdtemp())
    generated = timed(make_synthetic_rice, dest, n_per_class=args.n_per_class, seed=args.seed, progress=False)
    root, t_gen = generated.value, generated.wall
    x, y, names = load(root, RICE_CLASSES, args.size)
    tr, va, te = split(len(y), args.seed)

    # reference: hand-measured shape and colour features, Gaussian classifier, same split
    df = measure_grains(root, progress=False)
    df = df.set_index(df.file.map(lambda f: Path(f).parent.name + '/' + Path(f).name))
    feats = ['length', 'width', 'aspect_ratio', 'area', 'r', 'g', 'b']
    acc_feat = gaussian_classifier_accuracy(df.loc[names[tr]], df.loc[names[te]], feats)

    keras.utils.set_random_seed(args.seed)
    model = study_cnn((args.size, args.size, 3), len(RICE_CLASSES))
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True)
    fitted = timed(model.fit, x[tr], y[tr], validation_data=(x[va], y[va]), epochs=args.epochs, batch_size=32,
                   callbacks=[stop], verbose=2)
    hist, t_fit = fitted.value, fitted.wall
    pred = model.predict(x[te], verbose=0).argmax(1)
    acc_cnn = float((pred == y[te]).mean())
    cm = np.zeros((len(RICE_CLASSES),) * 2, int)
    np.add.at(cm, (y[te], pred), 1)

    print(f'\nsynthetic rice: {args.n_per_class} per class, seed {args.seed}; CNN input {args.size}x{args.size}; '
          f'split 80/10/10 -> {len(tr)}/{len(va)}/{len(te)}')
    print(f'generation {t_gen:.1f} s, training {t_fit:.0f} s ({len(hist.history["loss"])} epochs, '
          f'best val_acc {max(hist.history["val_accuracy"]):.4f})\n')
    print('| classifier | test accuracy |\n|---|---:|')
    print(f'| study CNN (SPEC model 1), {args.size}x{args.size} | {acc_cnn:.4f} |')
    print(f'| Gaussian on measured shape + colour | {acc_feat:.4f} |\n')
    w = max(map(len, RICE_CLASSES))
    print('confusion matrix (rows: true, columns: predicted)')
    print(' ' * (w + 1) + ' '.join(f'{c[:4]:>5}' for c in RICE_CLASSES))
    for c, row in zip(RICE_CLASSES, cm): print(f'{c:>{w}} ' + ' '.join(f'{v:5d}' for v in row))
    if not args.dest: shutil.rmtree(dest, ignore_errors=True)


if __name__ == '__main__': main()
