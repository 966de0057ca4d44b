"""Offline check of the digit strokes that browser_check.mjs draws on the MNIST playground.

    python simulate_strokes.py [--digits digits.json] [--model model.safetensors] [--save DIR]
    python simulate_strokes.py --write [--digits digits.json]

Without --write: reads the strokes from digits.json (the file browser_check.mjs draws
from), renders each digit the way the play page does (280x280 black canvas, white ink,
line width 20, round caps and joins), downscales it to 112x112 as the page does before
it POSTs, applies the server's preprocessing (below), and classifies the 28x28 result
with a zoo MNIST model file (a 784-512-10 ReLU MLP; the layers and the pixel scaling are
read from the file's metadata, as interop/load_in_pytorch.py does). Prints one line per
digit (drawn, predicted, P(drawn), top class and P(top)) and exits 1 unless all ten are
right. --save DIR also writes each digit's canvas and its 28x28 network input as PNGs.

With --write: regenerates digits.json from the stroke definitions in `make_digits()`.

Needs numpy, PIL and safetensors (torch is not needed: the forward pass is NumPy).
"""

import argparse
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw
from safetensors import safe_open

HERE = os.path.dirname(os.path.abspath(__file__))
CANVAS = 280          # the page's drawing canvas, px
SENT = 112            # the page downscales the canvas to this before it POSTs
LINE_WIDTH = 20       # the page's ctx.lineWidth
BOX_PX = 170          # the strokes' unit box is drawn this many px tall, centred


# --- the strokes ------------------------------------------------------------------------
#
# Each digit is a list of strokes (mouse down ... up), each stroke a polyline of points in
# a unit box: x to the right, y down, (0.5, 0.5) = the canvas centre, 1 unit = BOX_PX px.
# They are written the way a person draws with a mouse: the order and direction of the
# strokes are the usual handwriting ones (a 0 starts at the top and goes anticlockwise, a 4
# is an open "L" and then a separate down stroke, a 5 is the body first and the top bar
# last), curves are arcs of circles and ellipses sampled every ~15 degrees (what a mouse
# sends in practice is denser; browser_check.mjs moves the mouse in small steps between
# these points, so the ink is the same polyline), and nothing was tuned pixel by pixel: the
# numbers below are round shape parameters (centres, radii, start/end angles) chosen by eye.

def arc(cx, cy, rx, ry, a0, a1, step=15):
    """Points on an ellipse arc from angle a0 to a1 (degrees; 0 = right, 90 = down, since y
    points down; a1 < a0 goes anticlockwise on screen), about every `step` degrees."""
    n = max(2, int(math.ceil(abs(a1 - a0) / step)) + 1)
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / (n - 1))),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / (n - 1)))) for i in range(n)]


def make_digits():
    d = {}
    # 0: an upright ellipse, 24 points, from the top anticlockwise, ending a bit past the start.
    d[0] = [arc(0.5, 0.5, 0.30, 0.48, -90, -90 - 375, step=375 / 24)]
    # 1: a short flag up to the top, then straight down (slightly slanted).
    d[1] = [[(0.40, 0.14), (0.53, 0.0), (0.50, 1.0)]]
    # 2: the top hook (an arc over the top), a diagonal down to the left, the base to the right.
    d[2] = [arc(0.5, 0.27, 0.27, 0.25, 200, 380) + [(0.22, 1.0), (0.82, 1.0)]]
    # 3: an upper bump into the middle, a bigger lower bump out to the bottom left.
    d[3] = [arc(0.47, 0.25, 0.25, 0.24, 210, 450) + arc(0.47, 0.73, 0.29, 0.27, -90, 140)]
    # 4: the open "L" (down-left diagonal, then the crossbar), then the down stroke.
    d[4] = [[(0.55, 0.0), (0.18, 0.64), (0.85, 0.64)], [(0.66, 0.25), (0.66, 1.0)]]
    # 5: the short down stroke and the belly, then the top bar.
    d[5] = [[(0.30, 0.0), (0.27, 0.44)] + arc(0.47, 0.68, 0.30, 0.30, -130, 150),
            [(0.30, 0.0), (0.78, 0.0)]]
    # 6: a stroke down from the top right, bending into a loop at the bottom.
    d[6] = [arc(0.75, 0.72, 0.50, 0.70, 265, 180) + arc(0.50, 0.74, 0.25, 0.25, 180, -170)[1:]]
    # 7: the top bar, then the diagonal down.
    d[7] = [[(0.17, 0.0), (0.83, 0.0), (0.42, 1.0)]]
    # 8: one stroke, a figure eight: from the top right of the upper lobe down through the
    # middle, round the lower lobe, up again through the middle and round the upper lobe.
    pts = []
    for i in range(37):
        t = 2 * math.pi * i / 36
        x = 0.5 - (0.24 if math.cos(t) > 0 else 0.30) * math.sin(2 * t)
        y = 0.5 - 0.5 * math.cos(t)
        pts.append((x, y))
    d[8] = [pts]
    # 9: the head (a loop, anticlockwise from its right side), then the stem down.
    d[9] = [arc(0.47, 0.28, 0.25, 0.26, 0, -360) + [(0.70, 1.0)]]
    return {str(k): [[[round(x, 3), round(y, 3)] for x, y in s] for s in v] for k, v in d.items()}


# --- rendering, preprocessing, classifying ----------------------------------------------

def to_canvas(x, y):
    return CANVAS / 2 + (x - 0.5) * BOX_PX, CANVAS / 2 + (y - 0.5) * BOX_PX


def render(strokes):
    """The 280x280 canvas (uint8, white ink on black) after drawing `strokes`."""
    img = Image.new("L", (CANVAS, CANVAS), 0)
    draw = ImageDraw.Draw(img)
    r = LINE_WIDTH / 2
    for stroke in strokes:
        pts = [to_canvas(x, y) for x, y in stroke]
        if len(pts) > 1:
            draw.line(pts, fill=255, width=LINE_WIDTH)
        for px, py in pts:  # round caps and joins
            draw.ellipse([px - r, py - r, px + r, py + r], fill=255)
    return img


def preprocess(pixels):
    """The server's preprocessing of the page's WxH grayscale drawing (0..255, ink high) into
    the 28x28 image the network sees (0..255), the way MNIST digits were made: crop to the
    pixels above 25, fit the longer side into 20 px keeping the aspect ratio (bilinear;
    the server uses the image crate's Triangle filter), stretch the intensities to a max of
    255, centre in 28x28, then move by whole pixels so the centre of mass is on (14, 14)
    (pixel-index coordinates), keeping the box inside. It follows `to_mnist` in
    crates/datasets/src/mnist/drawing.rs, 8-bit values included."""
    a = np.clip(np.round(np.asarray(pixels, dtype=np.float64)), 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(a > 25)
    if len(ys) == 0:
        raise ValueError("the drawing is empty")
    crop = a[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    h, w = crop.shape
    s = 20 / max(h, w)
    nw, nh = (min(max(1, round(side * s)), 20) for side in (w, h))
    small = np.asarray(Image.fromarray(crop, mode="L").resize((nw, nh), Image.BILINEAR), dtype=np.float64)
    if 0 < small.max() < 255:
        small = np.round(small * 255 / small.max())
    total = small.sum()
    cy = (small.sum(axis=1) * np.arange(nh)).sum() / total
    cx = (small.sum(axis=0) * np.arange(nw)).sum() / total

    def place(size, centre):
        centred = (28 - size) // 2
        return int(min(max(centred + round(14 - (centred + centre)), 0), 28 - size))

    top, left = place(nh, cy), place(nw, cx)
    out = np.zeros((28, 28), dtype=np.float32)
    out[top: top + nh, left: left + nw] = small
    return out


def load_model(path):
    with safe_open(path, "np") as f:
        meta = f.metadata() or {}
        weights = {k: f.get_tensor(k).astype(np.float32) for k in f.keys()}
    layers, prep = json.loads(meta["zoo.layers"]), json.loads(meta["zoo.preprocessing"])
    classes = json.loads(meta.get("zoo.classes", "null")) or [str(i) for i in range(10)]

    def forward(img28):
        x = (img28.reshape(1, -1) * np.float32(prep["scale"]) - np.float32(prep["mean"])) / np.float32(prep["std"])
        for i, layer in enumerate(layers):
            if layer["type"] == "Linear":
                x = x @ weights[f"{i}.weight"].T + weights[f"{i}.bias"]
            elif layer["type"] == "ReLU":
                x = np.maximum(x, 0)
            else:
                raise ValueError(f"unexpected layer {layer['type']}")
        e = np.exp(x[0] - x[0].max())
        return e / e.sum()

    return forward, classes


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--digits", default=os.path.join(HERE, "digits.json"))
    p.add_argument("--model", default="/tmp/wt/mnist-run/model.safetensors")
    p.add_argument("--save", metavar="DIR", help="write each digit's canvas and 28x28 input as PNGs")
    p.add_argument("--write", action="store_true", help="regenerate --digits from make_digits()")
    args = p.parse_args()

    if args.write:
        doc = {
            "about": "Mouse strokes of the digits 0-9 for the MNIST playground check; made by "
                     "simulate_strokes.py --write (see make_digits() there for how). Each digit is a "
                     "list of strokes (mouse down ... up), each a polyline of [x, y] points in a unit "
                     "box, x right, y down; the box is drawn box_px tall with (0.5, 0.5) at the "
                     "canvas centre.",
            "canvas_px": CANVAS,
            "box_px": BOX_PX,
            "digits": make_digits(),
        }
        digits = doc.pop("digits")
        lines = [json.dumps(doc, indent=1)[:-2] + ',\n "digits": {']
        for i, (k, strokes) in enumerate(digits.items()):
            body = ",\n   ".join(json.dumps(st, separators=(",", ":")) for st in strokes)
            lines.append(f'  "{k}": [\n   {body}\n  ]' + ("," if i < len(digits) - 1 else ""))
        lines.append(" }\n}\n")
        with open(args.digits, "w") as f:
            f.write("\n".join(lines))
        print(f"wrote {args.digits}")
        return 0

    with open(args.digits) as f:
        doc = json.load(f)
    if doc.get("box_px") != BOX_PX or doc.get("canvas_px") != CANVAS:
        raise SystemExit(f"{args.digits}: expected box_px {BOX_PX} and canvas_px {CANVAS}")
    forward, classes = load_model(args.model)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
    right = 0
    print("digit  predicted  P(digit)  top P")
    for digit in range(10):
        canvas = render(doc["digits"][str(digit)])
        sent = np.asarray(canvas.resize((SENT, SENT), Image.BILINEAR), dtype=np.float32)
        img28 = preprocess(sent)
        probs = forward(img28)
        top = int(probs.argmax())
        right += top == digit
        mark = "" if top == digit else "   <-- wrong"
        print(f"{digit:>5}  {classes[top]:>9}  {probs[digit]:8.4f}  {probs[top]:.4f}{mark}")
        if args.save:
            canvas.save(os.path.join(args.save, f"digit-{digit}-canvas.png"))
            Image.fromarray(np.uint8(np.clip(img28, 0, 255).round())).resize((140, 140), Image.NEAREST) \
                .save(os.path.join(args.save, f"digit-{digit}-input28.png"))
    print(f"{right}/10 right")
    return 0 if right == 10 else 1


if __name__ == "__main__":
    sys.exit(main())
