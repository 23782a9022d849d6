"""torchvision + PIL anchor for `bench/data-augment.bench.ts` (fra-spec §3 two-view augmentation).

Two modes, both single-threaded (torch.set_num_threads(1), pinned to one CPU):

  bench   --images DIR --size N [--min-seconds S]
          Decode every *.jpg in DIR with PIL (ImageFolder's loader: open + convert("RGB")) and run
          the reference's two pipelines (data/transforms.py: get_vggface_tranforms, written out here
          with the same torchvision transforms) on it, repeatedly for at least S seconds.
          Prints one JSON line: {"imagesPerSecond" (wall), "imagesPerCpuSecond", "images", "seconds",
          "cpuSeconds", "size", ...}.
          One image = decode + both views.

  stages  --images DIR --size N [--passes P]
          Per-stage CPU time of the same work (decode, then each transform of the two Compose
          pipelines), timed transform by transform in a separate run so the `bench` numbers carry
          no timer overhead. Prints one JSON line: {"stagesMs": {stage: ms per image}, ...}.

  replay  --cases FILE.json --out DIR
          Apply given, already drawn parameters with torchvision's functional ops to given raw
          RGB images, so the TypeScript implementation can be compared byte for byte. Each case:
          {"raw": path of raw RGB bytes, "width", "height", "size", "kind": "view" | "finetune",
           "params": ...} (finetune params null = the test transform), or {"kind": "decode",
          "jpeg": path}. Writes <out>/<i>.u8 (the 8-bit image before ToTensor, or PIL's decode)
          and <i>.f32 (the normalised float32 tensor, HWC). Prints {"cases": n}.

Only Debian's python3-torchvision (+ PIL, numpy) is needed.
"""
import argparse
import glob
import json
import os
import random
import time

import numpy as np
import torch
from PIL import Image, ImageFilter, ImageOps
from torchvision import transforms
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

VGGFACE2_MEAN = [0.5231, 0.4044, 0.3489]
VGGFACE2_STD = [0.2536, 0.2194, 0.2070]


class Solarize(object):
    """data/transforms.py: Solarize."""

    def __init__(self, threshold=128):
        self.threshold = threshold

    def __call__(self, img):
        return ImageOps.solarize(img, self.threshold)


class GaussianBlur(object):
    """data/transforms.py: GaussianBlur (SimCLR); PIL's radius is the std-dev."""

    def __init__(self, sigma=(0.1, 2.0)):
        self.sigma = sigma

    def __call__(self, x):
        sigma = random.uniform(self.sigma[0], self.sigma[1])
        return x.filter(ImageFilter.GaussianBlur(radius=sigma))


def vggface_transforms(image_size):
    """data/transforms.py: get_vggface_tranforms(image_size) — the two asymmetric views."""
    normalize = transforms.Normalize(mean=VGGFACE2_MEAN, std=VGGFACE2_STD)

    def view(blur_p, solarize_p):
        return transforms.Compose([
            transforms.RandomResizedCrop(image_size, scale=(0.2, 1.0)),
            transforms.RandomHorizontalFlip(),
            transforms.RandomApply([transforms.ColorJitter(0.4, 0.4, 0.2, 0.1)], p=0.8),
            transforms.RandomGrayscale(p=0.2),
            transforms.RandomApply([GaussianBlur([0.1, 2.0])], p=blur_p),
            transforms.RandomApply([Solarize()], p=solarize_p),
            transforms.ToTensor(),
            normalize,
        ])

    return view(1.0, 0.0), view(0.1, 0.2)


def pil_loader(path):
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


def pin_one_cpu():
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return cpus[-1]
    except (AttributeError, OSError):
        return None


def run_bench(args):
    pinned = pin_one_cpu()
    torch.set_num_threads(1)
    paths = sorted(glob.glob(os.path.join(args.images, "*.jpg")))
    if not paths:
        raise SystemExit(f"no .jpg files in {args.images}")
    t1, t2 = vggface_transforms(args.size)
    for p in paths[:10]:  # warm-up
        img = pil_loader(p)
        t1(img), t2(img)
    count = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    while True:
        for p in paths:
            img = pil_loader(p)
            v1 = t1(img)
            v2 = t2(img)
            count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.min_seconds:
            break
    cpu = time.process_time() - cpu_start
    assert v1.shape == (3, args.size, args.size) and v2.dtype == torch.float32
    print(json.dumps({
        "imagesPerSecond": count / elapsed,
        "imagesPerCpuSecond": count / cpu,
        "images": count,
        "seconds": elapsed,
        "cpuSeconds": cpu,
        "size": args.size,
        "threads": torch.get_num_threads(),
        "pinnedCpu": pinned,
        "torch": torch.__version__,
        "torchvision": __import__("torchvision").__version__,
        "pillow": Image.__version__,
    }))


# Stage names shared with the TypeScript benchmark: each torchvision transform maps to one stage.
STAGE_OF_TRANSFORM = ["resize", "resize", "jitter", "grayscale", "blur", "output", "output", "output"]


def run_stages(args):
    """Decode and both views, timed per stage with process CPU time (one thread)."""
    pin_one_cpu()
    torch.set_num_threads(1)
    paths = sorted(glob.glob(os.path.join(args.images, "*.jpg")))
    if not paths:
        raise SystemExit(f"no .jpg files in {args.images}")
    t1, t2 = vggface_transforms(args.size)
    assert len(t1.transforms) == len(STAGE_OF_TRANSFORM) == len(t2.transforms)
    totals = {"decode": 0.0, "resize": 0.0, "jitter": 0.0, "grayscale": 0.0, "blur": 0.0, "output": 0.0}
    clock = time.process_time
    count = 0
    for p in paths[:10]:  # warm-up
        img = pil_loader(p)
        t1(img), t2(img)
    for _ in range(args.passes):
        for p in paths:
            start = clock()
            img = pil_loader(p)
            totals["decode"] += clock() - start
            for pipeline in (t1, t2):
                x = img
                for transform, stage in zip(pipeline.transforms, STAGE_OF_TRANSFORM):
                    start = clock()
                    x = transform(x)
                    totals[stage] += clock() - start
            count += 1
    print(json.dumps({"stagesMs": {k: v / count * 1000 for k, v in totals.items()}, "images": count, "size": args.size}))


def apply_jitter(img, jitter):
    for op in jitter["order"]:
        if op == "brightness":
            img = F.adjust_brightness(img, jitter["brightness"])
        elif op == "contrast":
            img = F.adjust_contrast(img, jitter["contrast"])
        elif op == "saturation":
            img = F.adjust_saturation(img, jitter["saturation"])
        elif op == "hue":
            img = F.adjust_hue(img, jitter["hue"])
    return img


def replay_view(img, params, size):
    crop = params["crop"]
    img = F.resized_crop(img, crop["top"], crop["left"], crop["height"], crop["width"], [size, size],
                         InterpolationMode.BILINEAR)
    if params["flip"]:
        img = F.hflip(img)
    if params["jitter"] is not None:
        img = apply_jitter(img, params["jitter"])
    if params["grayscale"]:
        img = F.rgb_to_grayscale(img, num_output_channels=3)
    if params["blurSigma"] is not None:
        img = img.filter(ImageFilter.GaussianBlur(radius=params["blurSigma"]))
    if params["solarize"]:
        img = ImageOps.solarize(img, 128)
    return img, None


def replay_finetune(img, params, size):
    img = F.resize(img, [size, size], InterpolationMode.BILINEAR)
    if params is None:  # test transform
        return img, None
    if params["flip"]:
        img = F.hflip(img)
    if params["jitter"] is not None:
        img = apply_jitter(img, params["jitter"])
    if params["translate"] is not None:
        t = params["translate"]
        img = F.affine(img, angle=0.0, translate=[t["dx"], t["dy"]], scale=1.0, shear=[0.0, 0.0],
                       interpolation=InterpolationMode.NEAREST, fill=0)
    if params["rotation"] is not None:
        img = F.rotate(img, params["rotation"], InterpolationMode.NEAREST, expand=False, center=None, fill=0)
    return img, params["erase"]


def run_replay(args):
    torch.set_num_threads(1)
    with open(args.cases) as f:
        cases = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    for i, case in enumerate(cases):
        if case["kind"] == "decode":  # decoder parity: PIL's decode of the JPEG itself
            with open(os.path.join(args.out, f"{i}.u8"), "wb") as f:
                f.write(np.asarray(pil_loader(case["jpeg"]), dtype=np.uint8).tobytes())
            continue
        with open(case["raw"], "rb") as f:
            img = Image.frombytes("RGB", (case["width"], case["height"]), f.read())
        if case["kind"] == "view":
            out, erase = replay_view(img, case["params"], case["size"])
        else:
            out, erase = replay_finetune(img, case["params"], case["size"])
        tensor = F.normalize(F.to_tensor(out), VGGFACE2_MEAN, VGGFACE2_STD)
        if erase is not None:
            tensor = F.erase(tensor, erase["top"], erase["left"], erase["height"], erase["width"],
                             torch.tensor([0.0])[:, None, None])
        with open(os.path.join(args.out, f"{i}.u8"), "wb") as f:
            f.write(np.asarray(out, dtype=np.uint8).tobytes())
        with open(os.path.join(args.out, f"{i}.f32"), "wb") as f:
            f.write(tensor.permute(1, 2, 0).contiguous().numpy().astype("<f4").tobytes())
    print(json.dumps({"cases": len(cases)}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--images", required=True)
    b.add_argument("--size", type=int, default=224)
    b.add_argument("--min-seconds", type=float, default=5.0)
    st = sub.add_parser("stages")
    st.add_argument("--images", required=True)
    st.add_argument("--size", type=int, default=224)
    st.add_argument("--passes", type=int, default=2)
    r = sub.add_parser("replay")
    r.add_argument("--cases", required=True)
    r.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.mode == "bench":
        run_bench(args)
    elif args.mode == "stages":
        run_stages(args)
    else:
        run_replay(args)


if __name__ == "__main__":
    main()
