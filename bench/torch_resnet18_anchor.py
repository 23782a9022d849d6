"""PyTorch CPU anchor for `npm run bench:engine`: ResNet-18 encoder (no avgpool/fc),
112x112, forward+backward of mean(square(features)), like the tfjs benchmark.
Prints one JSON line: {"imagesPerSecond", "threads", "batch"}. Needs only torch (no torchvision)."""
import argparse, json, os, time
import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (self.downsample(x) if self.downsample is not None else x))


def resnet18_encoder():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for i, width in enumerate([64, 128, 256, 512]):
        for b in range(2):
            layers.append(BasicBlock(cin, width, 2 if (b == 0 and i > 0) else 1))
            cin = width
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=4)
    a = p.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)  # Debian's build defaults to 1 thread here
    torch.manual_seed(0)
    model = resnet18_encoder().train()
    x = torch.randn(a.batch, 3, 112, 112)

    def step():
        model.zero_grad(set_to_none=True)
        model(x).square().mean().backward()

    step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = (time.perf_counter() - t0) / a.steps
    print(json.dumps({"imagesPerSecond": a.batch / dt, "threads": torch.get_num_threads(), "batch": a.batch}))


if __name__ == "__main__":
    main()
