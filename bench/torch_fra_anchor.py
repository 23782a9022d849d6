"""PyTorch CPU anchor for `npm run bench:fra`: one full FRAB training step, written independently
from docs/fra-spec.md (§1 architecture, §2 losses, §2.6 step, §4 LARS/EMA). Only torch is needed
(no torchvision): the ResNet encoder, MLP heads and the DETR-style mask decoder are built here.

Step = online(x1), online(x2), target(x1), target(x2) (four separate forwards; target under no_grad
in train mode), the FRA objective, backward, LARS over online net + predictors, EMA of the target
parameters. Timing excludes nothing of that (input tensors are made once, outside the loop).

Prints one JSON line: {"secondsPerStep", "imagesPerSecond", "threads", "batch", "imageSize",
"lossAtInit", "lossPartsAtInit", ...}. One image = one pair of views.
"""
import argparse
import json
import math
import os
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------------------------
# Backbone: torchvision-style ResNet encoder (no avgpool, no fc), spec §1.2


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != width:
            self.downsample = nn.Sequential(nn.Conv2d(cin, width, 1, stride, bias=False), nn.BatchNorm2d(width))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * 4
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)  # v1.5: stride on the 3x3
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


RESNETS = {
    "resnet18_encoder": (BasicBlock, [2, 2, 2, 2]),
    "resnet34_encoder": (BasicBlock, [3, 4, 6, 3]),
    "resnet50_encoder": (Bottleneck, [3, 4, 6, 3]),
}


class ResNetEncoder(nn.Module):
    def __init__(self, name):
        super().__init__()
        block, counts = RESNETS[name]
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        for i, (width, count) in enumerate(zip([64, 128, 256, 512], counts)):
            blocks = []
            for b in range(count):
                blocks.append(block(cin, width, 2 if (b == 0 and i > 0) else 1))
                cin = width * block.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.out_channels = cin
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


# ---------------------------------------------------------------------------------------------
# MLP head, spec §1.3: 1x1 Conv1d(no bias) - BN1d - ReLU - 1x1 Conv1d(no bias) on (batch, C, L), as
# the reference builds it, so BN statistics are taken over batch*L rows. (Conv1d rather than Linear
# also matters for speed here: Debian's torch runs convolutions on oneDNN but matmuls on the slow
# reference BLAS; `--heads linear` measures the Linear variant, same maths.)


class MlpHead(nn.Module):
    def __init__(self, cin, hidden, cout, kind="conv1d"):
        super().__init__()
        self.kind = kind
        if kind == "conv1d":
            first, last = nn.Conv1d(cin, hidden, 1, bias=False), nn.Conv1d(hidden, cout, 1, bias=False)
        else:
            first, last = nn.Linear(cin, hidden, bias=False), nn.Linear(hidden, cout, bias=False)
        self.mlp = nn.Sequential(first, nn.BatchNorm1d(hidden), nn.ReLU(inplace=True), last)
        for m in self.mlp:
            if isinstance(m, (nn.Conv1d, nn.Linear)):  # kaiming normal, fan_out = out_channels, ReLU gain
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm1d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):  # x: (batch, cin, L) -> (batch, cout, L)
        if self.kind == "conv1d":
            return self.mlp(x)
        b, c, l = x.shape
        rows = x.transpose(1, 2).reshape(b * l, c)
        return self.mlp(rows).reshape(b, l, -1).transpose(1, 2)


# ---------------------------------------------------------------------------------------------
# Mask-embedding generator, spec §1.4 (MaskFormer/DETR query decoder, 0 encoder layers)


def sine_position_encoding(h, w, d_model, device):
    """DETR sine embedding, normalised, scale 2*pi, temperature 1e4 -> (h*w, d_model): y-channels then x-channels."""
    half = d_model // 2
    scale = 2 * math.pi
    y = (torch.arange(h, dtype=torch.float32, device=device) + 1) / (h + 1e-6) * scale
    x = (torch.arange(w, dtype=torch.float32, device=device) + 1) / (w + 1e-6) * scale
    i = torch.arange(half, dtype=torch.float32, device=device)
    dim_t = 10000.0 ** (2 * torch.div(i, 2, rounding_mode="floor") / half)
    even = (torch.arange(half, device=device) % 2) == 0

    def axis(e):  # e: (L,) -> (L, half)
        a = e[:, None] / dim_t[None, :]
        return torch.where(even[None, :], torch.sin(a), torch.cos(a))

    py = axis(y)[:, None, :].expand(h, w, half)
    px = axis(x)[None, :, :].expand(h, w, half)
    return torch.cat([py, px], dim=-1).reshape(h * w, d_model)


class DecoderLayer(nn.Module):
    """DETR post-norm decoder layer."""

    def __init__(self, d_model, nheads, ffn, dropout):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nheads, dropout=dropout)
        self.multihead_attn = nn.MultiheadAttention(d_model, nheads, dropout=dropout)
        self.linear1 = nn.Linear(d_model, ffn)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ffn, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)

    def forward(self, tgt, memory, pos, query_pos):
        q = k = tgt + query_pos
        tgt = self.norm1(tgt + self.dropout1(self.self_attn(q, k, value=tgt, need_weights=False)[0]))
        a = self.multihead_attn(tgt + query_pos, memory + pos, value=memory, need_weights=False)[0]
        tgt = self.norm2(tgt + self.dropout2(a))
        f = self.linear2(self.dropout(F.relu(self.linear1(tgt))))
        return self.norm3(tgt + self.dropout3(f))


class Decoder(nn.Module):
    def __init__(self, layers, d_model, nheads, ffn, dropout):
        super().__init__()
        self.layers = nn.ModuleList([DecoderLayer(d_model, nheads, ffn, dropout) for _ in range(layers)])
        self.norm = nn.LayerNorm(d_model)

    def forward(self, tgt, memory, pos, query_pos):
        for layer in self.layers:
            tgt = layer(tgt, memory, pos, query_pos)
        return self.norm(tgt)


class Transformer(nn.Module):
    def __init__(self, layers, d_model, nheads, ffn, dropout):
        super().__init__()
        self.decoder = Decoder(layers, d_model, nheads, ffn, dropout)
        for p in self.parameters():  # xavier-uniform on every >=2-D parameter (MHA biases stay 0)
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)


class MaskMlp(nn.Module):
    def __init__(self, d, depth=3):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(d, d) for _ in range(depth)])

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class MaskEmbeddingGenerator(nn.Module):
    def __init__(self, cin, d_model, num_queries, nheads, ffn, layers, dropout):
        super().__init__()
        self.input_proj = nn.Conv2d(cin, d_model, 1)
        nn.init.kaiming_uniform_(self.input_proj.weight, a=1)
        nn.init.zeros_(self.input_proj.bias)
        self.query_embed = nn.Embedding(num_queries, d_model)  # N(0, 1)
        self.transformer = Transformer(layers, d_model, nheads, ffn, dropout)
        self.mask_embed = MaskMlp(d_model)

    def forward(self, feats):  # feats: (B, C, h, w) -> (B, N, d)
        b, _, h, w = feats.shape
        memory = self.input_proj(feats).flatten(2).permute(2, 0, 1)  # (hw, B, d)
        pos = sine_position_encoding(h, w, memory.shape[-1], feats.device)[:, None, :]  # keys only
        query_pos = self.query_embed.weight[:, None, :].expand(-1, b, -1)  # (N, B, d)
        tgt = torch.zeros_like(query_pos)
        hs = self.transformer.decoder(tgt, memory, pos, query_pos)  # (N, B, d)
        return self.mask_embed(hs.transpose(0, 1))


# ---------------------------------------------------------------------------------------------
# Neck (spec §1.5) and network (§1.6)


class ObjectNeck(nn.Module):
    def __init__(self, cin, hidden, d, n, dec_layers, dropout, heads, tau_h=1.0):
        super().__init__()
        self.proj = MlpHead(cin, hidden, d, heads)
        self.proj_pixel = MlpHead(cin, hidden, d, heads)
        self.proj_obj = MlpHead(cin, hidden, d, heads)
        self.proj_attn = MaskEmbeddingGenerator(cin, d, n, 8, d, dec_layers, dropout)
        self.register_buffer("proto", torch.randn(n, d))
        self.tau_h = tau_h

    def forward(self, feats):
        b, c, h, w = feats.shape
        flat = feats.flatten(2)  # (B, C, hw)
        z = self.proj(flat.mean(dim=2, keepdim=True))[:, :, 0]  # (B, D); BN over B rows
        fd = self.proj_pixel(flat).transpose(1, 2)  # (B, hw, D); BN over B*h*w rows
        mask_embed = self.proj_attn(feats)  # (B, N, D)
        qbar = mask_embed.mean(0)  # (N, D): one set of queries for the whole batch
        with torch.no_grad():
            self.proto.mul_(0.9).add_(0.1 * qbar.detach())
        scores = torch.einsum("bpd,nd->bpn", F.normalize(fd, dim=-1, eps=1e-12), F.normalize(qbar, dim=-1, eps=1e-12))
        heat = torch.softmax(scores / self.tau_h, dim=-1) + 1e-7  # softmax over regions
        weights = heat / heat.sum(dim=1, keepdim=True)  # each region map sums to 1 over space
        hreg = torch.einsum("bpn,bcp->bcn", weights, flat)  # (B, C, N): pools BACKBONE features
        zreg = self.proj_obj(hreg).transpose(1, 2)  # (B, N, D); BN over B*N rows
        return z, zreg, scores.reshape(b * h * w, -1)  # scores rows ordered (b, u, v) x n


class FraNetwork(nn.Module):
    def __init__(self, backbone, hidden, d, n, dec_layers, dropout, heads):
        super().__init__()
        self.backbone = ResNetEncoder(backbone)
        self.neck = ObjectNeck(self.backbone.out_channels, hidden, d, n, dec_layers, dropout, heads)

    def forward(self, x):
        return self.neck(self.backbone(x))


class FRAB(nn.Module):
    def __init__(self, backbone="resnet18_encoder", hidden=4096, d=256, n=8, dec_layers=2, dropout=0.1, heads="conv1d"):
        super().__init__()
        self.online_net = FraNetwork(backbone, hidden, d, n, dec_layers, dropout, heads)
        self.target_net = FraNetwork(backbone, hidden, d, n, dec_layers, dropout, heads)
        self.predictor = MlpHead(d, hidden, d, heads)
        self.predictor_obj = MlpHead(d, hidden, d, heads)
        with torch.no_grad():  # parameters only; buffers (BN stats, proto) stay independent
            for po, pt in zip(self.online_net.parameters(), self.target_net.parameters()):
                pt.copy_(po)
        for p in self.target_net.parameters():
            p.requires_grad_(False)


# ---------------------------------------------------------------------------------------------
# Losses, spec §2


def l2n(x):
    return F.normalize(x, dim=-1, eps=1e-12)


def inst_loss(pred, target):
    return 2 - 2 * (l2n(pred) * l2n(target)).sum(-1).mean()


def obj_loss(pred, target, w_neg=0.02):
    p, q = l2n(pred), l2n(target)  # (B, N, D)
    n = p.shape[1]
    pos = 2 - 2 * (p * q).sum(-1).mean()
    sim = torch.einsum("bid,bjd->bij", p, q) ** 2
    off = sim * (1 - torch.eye(n, device=sim.device))[None]
    neg = (off.sum(-1) / n).mean()
    return pos + w_neg * neg


@torch.no_grad()
def sinkhorn_probabilities(probs, iters=3):
    q = probs.t()  # (K, P)
    k, p = q.shape
    q = q / q.sum()
    for _ in range(iters):
        q = q / q.sum(dim=1, keepdim=True) / k
        q = q / q.sum(dim=0, keepdim=True) / p
    return (q * p).t()


def self_distill(s_student, s_teacher, t_student=0.1, t_teacher=0.04, iters=3):
    log_p = F.log_softmax(s_student / t_student, dim=-1)
    with torch.no_grad():
        assign = sinkhorn_probabilities(torch.softmax(s_teacher / t_teacher, dim=-1), iters)
    ce = -(assign * log_p).sum(-1).mean()
    pbar = log_p.exp().mean(0)
    me_max = (pbar * torch.log(pbar)).sum() + math.log(pbar.shape[0])
    return ce + me_max


def fra_loss(model, o1, o2, t1, t2, lam_c=0.5, lam_r=0.1):
    def direction(o, t):
        z, zreg, _ = o
        g = inst_loss(model.predictor(z[:, :, None])[:, :, 0], t[0])  # BN over B rows
        r = obj_loss(model.predictor_obj(zreg.transpose(1, 2)).transpose(1, 2), t[1])  # BN over B*N rows
        return g, r

    g1, r1 = direction(o1, t2)
    g2, r2 = direction(o2, t1)
    cluster = 0.5 * (self_distill(o1[2], t1[2]) + self_distill(o2[2], t2[2]))
    glob, reg = lam_c * (g1 + g2), (1 - lam_c) * (r1 + r2)
    total = glob + reg + lam_r * cluster
    return total, {"global": glob.item(), "region": reg.item(), "cluster": cluster.item()}


# ---------------------------------------------------------------------------------------------
# LARS (spec §4) and EMA


class Lars:
    def __init__(self, named_params, wd=1e-6, momentum=0.9, eta=1e-3, eps=1e-8):
        self.params = [(n, p) for n, p in named_params if p.requires_grad]
        self.excluded = {n for n, _ in self.params if ("bn" in n or "downsample.1" in n or "bias" in n)}
        self.wd, self.mom, self.eta, self.eps = wd, momentum, eta, eps
        self.buf = {}

    @torch.no_grad()
    def step(self, lr):
        for name, w in self.params:
            g = w.grad
            if g is None:
                continue
            if name in self.excluded:
                d = g * lr
            else:
                wn, gn = torch.norm(w), torch.norm(g)
                local = self.eta * wn / (gn + self.wd * wn + self.eps)
                d = (g + self.wd * w) * (local * lr)
            buf = self.buf.get(name)
            buf = d if buf is None else buf.mul_(self.mom).add_(d)
            self.buf[name] = buf
            w.sub_(buf)


@torch.no_grad()
def ema(model, m):
    for po, pt in zip(model.online_net.parameters(), model.target_net.parameters()):
        pt.mul_(m).add_(po, alpha=1 - m)


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--image-size", type=int, default=112)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--hidden", type=int, default=4096)
    ap.add_argument("--backbone", default="resnet18_encoder", choices=sorted(RESNETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: every core)")
    ap.add_argument("--heads", default="conv1d", choices=["conv1d", "linear"], help="MLP head layers (same maths)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count() or 1)  # Debian's build defaults to 1 thread
    torch.manual_seed(a.seed)

    model = FRAB(a.backbone, hidden=a.hidden, heads=a.heads).train()  # target also in train mode (BN batch stats, dropout on)
    trainable = [("online_net." + n, p) for n, p in model.online_net.named_parameters()]
    trainable += [("predictor." + n, p) for n, p in model.predictor.named_parameters()]
    trainable += [("predictor_obj." + n, p) for n, p in model.predictor_obj.named_parameters()]
    opt = Lars(trainable)
    lr = 0.9 * a.batch / 512  # spec §4: lr proportional to B
    x1 = torch.randn(a.batch, 3, a.image_size, a.image_size)
    x2 = torch.randn(a.batch, 3, a.image_size, a.image_size)

    def step():
        for _, p in trainable:
            p.grad = None
        o1, o2 = model.online_net(x1), model.online_net(x2)
        with torch.no_grad():
            t1, t2 = model.target_net(x1), model.target_net(x2)
        loss, parts = fra_loss(model, o1, o2, t1, t2)
        loss.backward()
        opt.step(lr)
        ema(model, 0.996)
        return loss.item(), parts

    loss0, parts0 = step()  # warm-up (also the loss at initialisation: computed before the first update)
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = (time.perf_counter() - t0) / a.steps
    print(
        json.dumps(
            {
                "secondsPerStep": dt,
                "imagesPerSecond": a.batch / dt,
                "threads": torch.get_num_threads(),
                "batch": a.batch,
                "imageSize": a.image_size,
                "lossAtInit": loss0,
                "lossPartsAtInit": parts0,
                "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                "hidden": a.hidden,
                "backbone": a.backbone,
                "heads": a.heads,
                "torch": torch.__version__,
                "larsGroups": {"excluded": len(opt.excluded), "adapted": len(opt.params) - len(opt.excluded)},
            }
        )
    )


if __name__ == "__main__":
    main()
