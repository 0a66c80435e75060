"""The PyTorch twins of the study's networks, for bench/bench_torch_pruning.py (the Torch-Pruning comparison).

`torch_model(name, size)` writes the study's VGG16, CNN and GoogLeNet (rice_prune.models: vgg16 with
weights=None, cnn, googlenet) in PyTorch, layer for layer, modules named like the Keras layers (an Inception
module's inner convolutions `inception_3a.conv_1x1`, ... like rice_prune.models.InceptionModule's `convs`), with
TensorFlow's 'same' padding, so that with the same weights both compute the same function. `torch_state` reads a
Keras model's weights in the twin's state_dict layout (OIHW kernels, (out, in) dense weights, the Dense after a
Flatten reordered from Keras' (H, W, C) to torch's (C, H, W)), and `twin` builds a twin and loads them.

Two environments use this module: the project's (tensorflow, keras, rice_prune; `keras_producers`, `torch_state`)
and the torch one (numpy, torch; `torch_model`, `twin`, `leaf_modules`), so it imports neither framework at the top
and never imports rice_prune: the study's GoogLeNet widths are repeated here, and the driver checks them equal to
rice_prune.models'. The driver checks the twins too: every pruned pair's softmax outputs on the same images
(column 'max |dp|' of its table (1)).
"""
import math

import numpy as np

MODEL_NAMES = ('vgg16', 'cnn', 'googlenet')
CLASSIFIER = 'predictions'  # the Keras name of the output layer (and the torch module's name): never pruned
VGG_BLOCKS = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))
INCEPTION_CONVS = ('1x1', '3x3_reduce', '3x3', '5x5_reduce', '5x5', 'pool_proj')  # rice_prune.models.InceptionModule's
# The study's GoogLeNet (SPEC.md), repeated here because the torch side can't import rice_prune (checked equal to
# rice_prune.models.GOOGLENET_STEM / GOOGLENET_MODULES on the Keras side).
GOOGLENET_STEM = (64, 64, 192)
GOOGLENET_MODULES = ((64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), 'pool',
                     (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
                     (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128), 'pool',
                     (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128))


def same_padding(n: int, kernel: int, stride: int) -> tuple:
    "TensorFlow's 'same' padding (before, after) of a side of n pixels: the extra pixel, if any, goes after."
    total = max((math.ceil(n / stride) - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


# --------------------------------------------------------------------------------------------------------------
# PyTorch side (the torch environment: numpy, torch; never imports TensorFlow)
# --------------------------------------------------------------------------------------------------------------
def torch_model(name: str, size: int, num_classes: int = 5):
    "The Keras model `name` rebuilt in PyTorch, modules named like the Keras layers."
    from collections import OrderedDict
    from torch import nn
    layers = OrderedDict()
    if name == 'vgg16':
        cin = 3
        for b, widths in enumerate(VGG_BLOCKS, start=1):
            for c, cout in enumerate(widths, start=1):
                layers[f'block{b}_conv{c}'] = nn.Conv2d(cin, cout, 3, padding=1)
                layers[f'block{b}_relu{c}'] = nn.ReLU()
                cin = cout
            layers[f'block{b}_pool'] = nn.MaxPool2d(2)
        layers['global_pool'] = nn.AdaptiveAvgPool2d(1)
        layers['flatten'] = nn.Flatten()
        layers['fc'] = nn.Linear(512, 512)
        layers['fc_relu'] = nn.ReLU()
        layers['dropout'] = nn.Dropout(0.3)
        layers[CLASSIFIER] = nn.Linear(512, num_classes)
    elif name == 'cnn':
        cin, side = 3, size
        for stage, cout in enumerate((32, 64, 128), start=1):
            layers[f'conv{stage}'] = nn.Conv2d(cin, cout, 3, padding=1)
            layers[f'relu{stage}'] = nn.ReLU()
            layers[f'pool{stage}'] = nn.MaxPool2d(2)
            cin, side = cout, side // 2
        layers['flatten'] = nn.Flatten()
        layers['fc'] = nn.Linear(128 * side * side, 128)
        layers['fc_relu'] = nn.ReLU()
        layers[CLASSIFIER] = nn.Linear(128, num_classes)
    elif name == 'googlenet':
        inf = float('-inf')  # TF's 'same' max-pool ignores the padding: pad with -inf
        side = size
        layers['conv1_pad'] = nn.ZeroPad2d(same_padding(side, 7, 2) * 2)
        layers['conv1'] = nn.Conv2d(3, GOOGLENET_STEM[0], 7, stride=2)
        layers['conv1_relu'] = nn.ReLU()
        side = math.ceil(side / 2)
        layers['pool1_pad'] = nn.ConstantPad2d(same_padding(side, 3, 2) * 2, inf)
        layers['pool1'] = nn.MaxPool2d(3, 2)
        side = math.ceil(side / 2)
        layers['conv2_reduce'] = nn.Conv2d(GOOGLENET_STEM[0], GOOGLENET_STEM[1], 1)
        layers['conv2_reduce_relu'] = nn.ReLU()
        layers['conv2'] = nn.Conv2d(GOOGLENET_STEM[1], GOOGLENET_STEM[2], 3, padding=1)
        layers['conv2_relu'] = nn.ReLU()
        layers['pool2_pad'] = nn.ConstantPad2d(same_padding(side, 3, 2) * 2, inf)
        layers['pool2'] = nn.MaxPool2d(3, 2)
        side = math.ceil(side / 2)
        cin, stage, index, inception = GOOGLENET_STEM[2], 3, 0, torch_inception_class()
        for spec in GOOGLENET_MODULES:
            if spec == 'pool':
                layers[f'pool{stage}_pad'] = nn.ConstantPad2d(same_padding(side, 3, 2) * 2, inf)
                layers[f'pool{stage}'] = nn.MaxPool2d(3, 2)
                side, stage, index = math.ceil(side / 2), stage + 1, 0
            else:
                layers[f'inception_{stage}{"abcdefghij"[index]}'] = inception(cin, spec)
                cin, index = spec[0] + spec[2] + spec[4] + spec[5], index + 1
        layers['global_pool'] = nn.AdaptiveAvgPool2d(1)
        layers['flatten'] = nn.Flatten()
        layers['dropout'] = nn.Dropout(0.4)
        layers[CLASSIFIER] = nn.Linear(cin, num_classes)
    else:
        raise ValueError(f"torch_model: unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
    layers['softmax'] = nn.Softmax(dim=1)
    return nn.Sequential(layers)


def torch_inception_class():
    "rice_prune.models.InceptionModule in PyTorch (inner convolutions named alike)."
    import torch
    from torch import nn

    class Inception(nn.Module):
        def __init__(self, cin: int, filters: tuple):
            super().__init__()
            f = dict(zip(INCEPTION_CONVS, filters))
            self.conv_1x1 = nn.Conv2d(cin, f['1x1'], 1)
            self.conv_3x3_reduce = nn.Conv2d(cin, f['3x3_reduce'], 1)
            self.conv_3x3 = nn.Conv2d(f['3x3_reduce'], f['3x3'], 3, padding=1)
            self.conv_5x5_reduce = nn.Conv2d(cin, f['5x5_reduce'], 1)
            self.conv_5x5 = nn.Conv2d(f['5x5_reduce'], f['5x5'], 5, padding=2)
            self.pool = nn.MaxPool2d(3, 1, padding=1)  # torch pads max-pools with -inf, like TF's 'same'
            self.conv_pool_proj = nn.Conv2d(cin, f['pool_proj'], 1)

        def forward(self, x):
            relu = torch.relu
            return torch.cat([relu(self.conv_1x1(x)), relu(self.conv_3x3(relu(self.conv_3x3_reduce(x)))),
                              relu(self.conv_5x5(relu(self.conv_5x5_reduce(x)))),
                              relu(self.conv_pool_proj(self.pool(x)))], dim=1)
    return Inception


def leaf_modules(model) -> list:
    "(dotted name, module) of every module without children: the layers that compute."
    return [(n, m) for n, m in model.named_modules() if n and not list(m.children())]


def twin(name: str, size: int, weights):
    "The PyTorch twin (an nn.Module, in eval mode) of model `name`, with the weights `torch_state` wrote (e.g. an .npz)."
    import torch
    model = torch_model(name, size)
    model.load_state_dict({k: torch.from_numpy(weights[f'{name}/{k}']) for k in model.state_dict()})
    return model.eval()


# --------------------------------------------------------------------------------------------------------------
# Keras side (the project's environment: tensorflow, keras, rice_prune): the weights the twins get
# --------------------------------------------------------------------------------------------------------------
def keras_producers(model) -> list:
    "(name, layer) of every Conv2D / Dense, Inception modules' inner convolutions named as in the torch model."
    from keras import layers as L
    found = []
    for layer in model.layers:
        if type(layer) in (L.Conv2D, L.Dense): found.append((layer.name, layer))
        elif hasattr(layer, 'convs'):  # rice_prune.models.InceptionModule
            found += [(f'{layer.name}.conv_{branch}', conv) for branch, conv in layer.convs.items()]
    return found


def torch_state(model, name: str) -> dict:
    "The Keras model's weights in the torch model's state_dict layout (OIHW kernels, (out, in) dense weights)."
    from keras import layers as L
    flattened = {}  # id(Dense right after a Flatten) -> the Flatten's input shape (H, W, C)
    for before, after in zip(model.layers, model.layers[1:]):
        if type(before) is L.Flatten: flattened[id(after)] = before.input.shape[1:]
    state = {}
    for key, layer in keras_producers(model):
        kernel = layer.kernel.numpy()
        if type(layer) is L.Conv2D: kernel = kernel.transpose(3, 2, 0, 1)
        else:
            if id(layer) in flattened:  # Keras flattens (H, W, C), torch (C, H, W): reorder the rows first
                h, w, c = flattened[id(layer)]
                kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(c * h * w, -1)
            kernel = kernel.T
        state[f'{name}/{key}.weight'] = np.ascontiguousarray(kernel)
        state[f'{name}/{key}.bias'] = layer.bias.numpy()
    return state
