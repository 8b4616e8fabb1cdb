#!/usr/bin/env python3
"""The issue's baseline, measured in the same session as `rerender bench sd`: PyTorch (CPU, fp32) running the SD 1.5
UNet and its ControlNet at 512x512 (latent 64x64), batch 1, 77 context tokens, random weights.

The layers are written here from the published SD 1.5 / ControlNet 1.0 architecture (ResBlocks with time embedding,
SpatialTransformer with 1x1 proj_in/proj_out, 8 heads, GEGLU feed-forward, attention as softmax(q k^T * scale) v on
full score matrices as the original ldm code without xformers does), so that the operation count and the kernels PyTorch
runs are those of the reference implementation. Weight values do not change the speed.

Debian's python3-torch (1.13.1, the version of the issue's figures; convolutions by oneDNN, matrix products by the
system BLAS, so install OpenBLAS too: the reference BLAS is single-threaded and naive) and tcmalloc:
  apt-get install python3-torch libopenblas0-pthread libtcmalloc-minimal4
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \
    /usr/bin/python3 dev/torch-baseline/sd15_torch_bench.py [--threads 2] [--repeats 3] [--size 512] [--vae]
Without tcmalloc, glibc returns every large tensor (the 537 MB attention score matrices at 512x512) to the system
and the next one is faulted in page by page; on this VM that is ~4 s of kernel time per GB: measured UNet + ControlNet
26.2-28.1 s with glibc's allocator (55 s of system time over the run), 14.9 s with tcmalloc (jemalloc: no better
than glibc). The tcmalloc figure is the baseline.
Prints one JSON object (seconds of each timed run, medians) on stdout.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def norm(ch, eps=1e-5):
    return nn.GroupNorm(32, ch, eps=eps)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb=1280):
        super().__init__()
        self.norm1, self.conv1 = norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2, self.conv2 = norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(F.silu(emb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class Attention(nn.Module):
    def __init__(self, dim, ctx_dim, heads=8):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(ctx_dim, dim, bias=False)
        self.v = nn.Linear(ctx_dim, dim, bias=False)
        self.out = nn.Linear(dim, dim)

    def forward(self, x, ctx=None):
        ctx = x if ctx is None else ctx
        b, n, c = x.shape
        h = self.heads

        def split(t):
            return t.reshape(b, t.shape[1], h, c // h).permute(0, 2, 1, 3).reshape(b * h, t.shape[1], c // h)

        q, k, v = split(self.q(x)), split(self.k(ctx)), split(self.v(ctx))
        sim = torch.einsum('b i d, b j d -> b i j', q, k) * self.scale
        attn = sim.softmax(dim=-1)
        o = torch.einsum('b i j, b j d -> b i d', attn, v)
        o = o.reshape(b, h, n, c // h).permute(0, 2, 1, 3).reshape(b, n, c)
        return self.out(o)


class Transformer(nn.Module):
    def __init__(self, ch, ctx_dim=768):
        super().__init__()
        self.norm = norm(ch, 1e-6)
        self.proj_in = nn.Conv2d(ch, ch, 1)
        self.ln1, self.attn1 = nn.LayerNorm(ch), Attention(ch, ch)
        self.ln2, self.attn2 = nn.LayerNorm(ch), Attention(ch, ctx_dim)
        self.ln3 = nn.LayerNorm(ch)
        self.ff_in, self.ff_out = nn.Linear(ch, 8 * ch), nn.Linear(4 * ch, ch)
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x, ctx):
        b, c, hh, ww = x.shape
        h = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(b, hh * ww, c)
        h = h + self.attn1(self.ln1(h))
        h = h + self.attn2(self.ln2(h), ctx)
        a, g = self.ff_in(self.ln3(h)).chunk(2, dim=-1)
        h = h + self.ff_out(a * F.gelu(g))
        h = h.reshape(b, hh, ww, c).permute(0, 3, 1, 2)
        return x + self.proj_out(h)


class Encoder(nn.Module):
    """input_blocks + middle_block of SD 1.5 (shared by the UNet and the ControlNet)."""

    def __init__(self, mult=(1, 2, 4, 4), base=320):
        super().__init__()
        self.conv_in = nn.Conv2d(4, base, 3, padding=1)
        self.blocks = nn.ModuleList()
        self.chans = [base]
        ch = base
        for level, m in enumerate(mult):
            for _ in range(2):
                self.blocks.append(nn.ModuleList([ResBlock(ch, m * base)]
                                                 + ([Transformer(m * base)] if level < 3 else [])))
                ch = m * base
                self.chans.append(ch)
            if level < len(mult) - 1:
                self.blocks.append(nn.ModuleList([nn.Conv2d(ch, ch, 3, stride=2, padding=1)]))
                self.chans.append(ch)
        self.mid = nn.ModuleList([ResBlock(ch, ch), Transformer(ch), ResBlock(ch, ch)])
        self.ch = ch

    @staticmethod
    def run(block, h, emb, ctx):
        for layer in block:
            if isinstance(layer, ResBlock):
                h = layer(h, emb)
            elif isinstance(layer, Transformer):
                h = layer(h, ctx)
            else:
                h = layer(h)
        return h


class Upsample(nn.Module):
    """Nearest 2x up-sampling, then a 3x3 convolution."""

    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


def timestep_embedding(t, dim=320):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TimeEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2 = nn.Linear(320, 1280), nn.Linear(1280, 1280)

    def forward(self, t):
        return self.l2(F.silu(self.l1(timestep_embedding(t))))


class UNet(nn.Module):
    def __init__(self, mult=(1, 2, 4, 4), base=320):
        super().__init__()
        self.time = TimeEmbed()
        self.enc = Encoder(mult, base)
        chans = list(self.enc.chans)
        ch = self.enc.ch
        self.out_blocks = nn.ModuleList()
        for level, m in list(enumerate(mult))[::-1]:
            for i in range(3):
                skip = chans.pop()
                layers = [ResBlock(ch + skip, m * base)]
                ch = m * base
                if level < 3:
                    layers.append(Transformer(ch))
                if level > 0 and i == 2:
                    layers.append(Upsample(ch))
                self.out_blocks.append(nn.ModuleList(layers))
        self.norm_out, self.conv_out = norm(ch), nn.Conv2d(ch, 4, 3, padding=1)

    def forward(self, x, t, ctx, control):
        emb = self.time(t)
        hs = []
        h = self.enc.conv_in(x)
        hs.append(h)
        for block in self.enc.blocks:
            h = Encoder.run(block, h, emb, ctx)
            hs.append(h)
        h = Encoder.run(self.enc.mid, h, emb, ctx) + control.pop()
        for block in self.out_blocks:
            h = Encoder.run(block, torch.cat([h, hs.pop() + control.pop()], dim=1), emb, ctx)
        return self.conv_out(F.silu(self.norm_out(h)))


class ControlNet(nn.Module):
    def __init__(self, mult=(1, 2, 4, 4), base=320):
        super().__init__()
        self.time = TimeEmbed()
        self.enc = Encoder(mult, base)
        hint = [3, 16, 16, 32, 32, 96, 96, 256]
        layers = []
        for i in range(len(hint) - 1):
            layers += [nn.Conv2d(hint[i], hint[i + 1], 3, padding=1, stride=2 if i in (2, 4, 6) else 1), nn.SiLU()]
        layers.append(nn.Conv2d(256, base, 3, padding=1))
        self.hint = nn.Sequential(*layers)
        self.zero = nn.ModuleList([nn.Conv2d(c, c, 1) for c in self.enc.chans])
        self.zero_mid = nn.Conv2d(self.enc.ch, self.enc.ch, 1)

    def forward(self, x, hint_features, t, ctx):
        emb = self.time(t)
        h = self.enc.conv_in(x) + hint_features  # the hint block's output depends only on the control map
        outs = [self.zero[0](h)]
        for block, zero in zip(self.enc.blocks, self.zero[1:]):
            h = Encoder.run(block, h, emb, ctx)
            outs.append(zero(h))
        h = Encoder.run(self.enc.mid, h, emb, ctx)
        outs.append(self.zero_mid(h))
        return outs


class VaeResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.n1, self.c1 = norm(cin, 1e-6), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = norm(cout, 1e-6), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return self.skip(x) + self.c2(F.silu(self.n2(self.c1(F.silu(self.n1(x))))))


class VaeAttn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n = norm(c, 1e-6)
        self.q, self.k, self.v, self.o = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.n(x)
        q = self.q(y).reshape(b, c, h * w).permute(0, 2, 1)
        k = self.k(y).reshape(b, c, h * w)
        a = torch.bmm(q, k) * c ** -0.5
        a = a.softmax(dim=2)
        v = self.v(y).reshape(b, c, h * w)
        o = torch.bmm(v, a.permute(0, 2, 1)).reshape(b, c, h, w)
        return x + self.o(o)


class VaeDecoder(nn.Module):
    def __init__(self, mult=(1, 2, 4, 4), base=128):
        super().__init__()
        ch = base * mult[-1]
        self.post = nn.Conv2d(4, 4, 1)
        self.conv_in = nn.Conv2d(4, ch, 3, padding=1)
        self.mid = nn.Sequential(VaeResBlock(ch, ch), VaeAttn(ch), VaeResBlock(ch, ch))
        ups = []
        for level in reversed(range(len(mult))):
            out = base * mult[level]
            for _ in range(3):
                ups.append(VaeResBlock(ch, out))
                ch = out
            if level > 0:
                ups.append(nn.Upsample(scale_factor=2.0, mode='nearest'))
                ups.append(nn.Conv2d(ch, ch, 3, padding=1))
        self.ups = nn.Sequential(*ups)
        self.n_out, self.conv_out = norm(ch, 1e-6), nn.Conv2d(ch, 3, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(self.post(z)))
        h = self.ups(h)
        return self.conv_out(F.silu(self.n_out(h)))


def timed(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return runs


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--size', type=int, default=512)
    ap.add_argument('--vae', action='store_true', help='also time the VAE decoder at --size')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    lat = args.size // 8
    report = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'size': args.size,
              'ld_preload': os.environ.get('LD_PRELOAD', '')}
    with torch.inference_mode():
        unet, cn = UNet().eval(), ControlNet().eval()
        x = torch.randn(1, 4, lat, lat)
        t = torch.tensor([500])
        ctx = torch.randn(1, 77, 768)
        hint = cn.hint((torch.rand(1, 3, args.size, args.size) > 0.5).float())
        control = {}

        def run_cn():
            control['r'] = cn(x, hint, t, ctx)

        def run_unet():
            unet(x, t, ctx, list(control['r']))

        report['controlnet_runs_s'] = timed(run_cn, args.repeats)
        report['unet_runs_s'] = timed(run_unet, args.repeats)
        report['controlnet_median_s'] = median(report['controlnet_runs_s'])
        report['unet_median_s'] = median(report['unet_runs_s'])
        report['unet_plus_controlnet_s'] = report['unet_median_s'] + report['controlnet_median_s']
        report['params_unet_m'] = sum(p.numel() for p in unet.parameters()) / 1e6
        report['params_controlnet_m'] = sum(p.numel() for p in cn.parameters()) / 1e6
        if args.vae:
            del unet, cn
            dec = VaeDecoder().eval()
            z = torch.randn(1, 4, lat, lat)
            report['vae_decode_runs_s'] = timed(lambda: dec(z), 1, warmup=0)
            report['params_vae_decoder_m'] = sum(p.numel() for p in dec.parameters()) / 1e6
    print(json.dumps(report))


if __name__ == '__main__':
    main()
