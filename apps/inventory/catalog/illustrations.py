"""Product pictures drawn locally as SVG: one distinct illustration per product, nothing fetched.

Colours and composition come from a hash of the SKU; the motif comes from the category, so a
category page looks coherent and every product still looks different.
"""

from __future__ import annotations

import hashlib
from html import escape

SIZE = 480


def _rng(seed: str):
    digest = hashlib.sha256(seed.encode()).digest()
    index = 0

    def next_int(low: int, high: int) -> int:
        nonlocal index
        value = digest[index % len(digest)] + 256 * digest[(index + 7) % len(digest)]
        index += 1
        return low + value % (high - low + 1)

    return next_int


def _motif(kind: str, rnd, ink: str, accent: str) -> str:
    cx, cy = SIZE // 2, SIZE // 2 + 10
    if kind == "mug":
        w, h = rnd(120, 160), rnd(130, 170)
        return (
            f'<rect x="{cx - w // 2}" y="{cy - h // 2}" width="{w}" height="{h}" rx="18" fill="{ink}"/>'
            f'<circle cx="{cx + w // 2 + 18}" cy="{cy}" r="34" fill="none" stroke="{ink}" stroke-width="16"/>'
            f'<rect x="{cx - w // 2 + 14}" y="{cy - h // 2 + 14}" width="{w - 28}" height="16" rx="8" fill="{accent}"/>'
        )
    if kind == "book":
        w, h = rnd(150, 190), rnd(190, 230)
        return (
            f'<rect x="{cx - w // 2}" y="{cy - h // 2}" width="{w}" height="{h}" rx="8" fill="{ink}"/>'
            f'<rect x="{cx - w // 2 + 16}" y="{cy - h // 2}" width="10" height="{h}" fill="{accent}"/>'
            f'<rect x="{cx - w // 4}" y="{cy - h // 4}" width="{w // 2}" height="14" rx="7" fill="{accent}"/>'
        )
    if kind == "shirt":
        return (
            f'<path d="M{cx - 110} {cy - 90} L{cx - 40} {cy - 120} Q{cx} {cy - 90} {cx + 40} {cy - 120} '
            f"L{cx + 110} {cy - 90} L{cx + 85} {cy - 40} L{cx + 60} {cy - 50} L{cx + 60} {cy + 110} "
            f'L{cx - 60} {cy + 110} L{cx - 60} {cy - 50} L{cx - 85} {cy - 40} Z" fill="{ink}"/>'
            f'<circle cx="{cx}" cy="{cy + rnd(-10, 40)}" r="{rnd(18, 30)}" fill="{accent}"/>'
        )
    if kind == "lamp":
        return (
            f'<path d="M{cx - 90} {cy - 20} L{cx - 50} {cy - 120} L{cx + 50} {cy - 120} L{cx + 90} {cy - 20} Z" '
            f'fill="{ink}"/><rect x="{cx - 8}" y="{cy - 20}" width="16" height="120" fill="{ink}"/>'
            f'<ellipse cx="{cx}" cy="{cy + 105}" rx="70" ry="16" fill="{ink}"/>'
            f'<circle cx="{cx}" cy="{cy - 5}" r="{rnd(14, 22)}" fill="{accent}"/>'
        )
    if kind == "plant":
        leaves = "".join(
            f'<ellipse cx="{cx + dx}" cy="{cy - 60 + dy}" rx="26" ry="60" fill="{accent}" '
            f'transform="rotate({angle} {cx + dx} {cy - 60 + dy})"/>'
            for dx, dy, angle in ((-40, 10, -30), (40, 10, 30), (0, -20, 0))
        )
        return leaves + (
            f'<path d="M{cx - 70} {cy + 20} L{cx + 70} {cy + 20} L{cx + 50} {cy + 120} L{cx - 50} {cy + 120} Z" '
            f'fill="{ink}"/>'
        )
    if kind == "ball":
        r = rnd(90, 120)
        return (
            f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{ink}"/>'
            f'<path d="M{cx - r} {cy} Q{cx} {cy - 60} {cx + r} {cy}" fill="none" stroke="{accent}" stroke-width="10"/>'
            f'<path d="M{cx - r} {cy} Q{cx} {cy + 60} {cx + r} {cy}" fill="none" stroke="{accent}" stroke-width="10"/>'
        )
    if kind == "headphones":
        return (
            f'<path d="M{cx - 100} {cy + 30} A100 100 0 0 1 {cx + 100} {cy + 30}" fill="none" stroke="{ink}" '
            f'stroke-width="22"/><rect x="{cx - 125}" y="{cy + 10}" width="50" height="90" rx="20" fill="{ink}"/>'
            f'<rect x="{cx + 75}" y="{cy + 10}" width="50" height="90" rx="20" fill="{ink}"/>'
            f'<circle cx="{cx}" cy="{cy - 40}" r="{rnd(10, 18)}" fill="{accent}"/>'
        )
    # "gift" and anything else
    w = rnd(150, 190)
    return (
        f'<rect x="{cx - w // 2}" y="{cy - w // 2 + 20}" width="{w}" height="{w - 20}" rx="10" fill="{ink}"/>'
        f'<rect x="{cx - 12}" y="{cy - w // 2 + 20}" width="24" height="{w - 20}" fill="{accent}"/>'
        f'<rect x="{cx - w // 2 - 10}" y="{cy - w // 2}" width="{w + 20}" height="40" rx="8" fill="{ink}"/>'
        f'<circle cx="{cx - 24}" cy="{cy - w // 2 - 10}" r="22" fill="none" stroke="{accent}" stroke-width="10"/>'
        f'<circle cx="{cx + 24}" cy="{cy - w // 2 - 10}" r="22" fill="none" stroke="{accent}" stroke-width="10"/>'
    )


def product_svg(*, sku: str, name: str, motif: str) -> str:
    rnd = _rng(sku)
    hue = rnd(0, 359)
    background = f"hsl({hue}, 70%, 92%)"
    background_2 = f"hsl({(hue + 40) % 360}, 75%, 84%)"
    ink = f"hsl({(hue + 180) % 360}, 45%, 35%)"
    accent = f"hsl({(hue + 90) % 360}, 80%, 60%)"
    dots = "".join(
        f'<circle cx="{rnd(0, SIZE)}" cy="{rnd(0, SIZE)}" r="{rnd(4, 16)}" fill="{accent}" opacity="0.35"/>'
        for _ in range(9)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" '
        f'role="img" aria-label="{escape(name)}">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="{background}"/>'
        f'<stop offset="1" stop-color="{background_2}"/></linearGradient></defs>'
        f'<rect width="{SIZE}" height="{SIZE}" fill="url(#g)"/>{dots}{_motif(motif, rnd, ink, accent)}'
        f'<text x="{SIZE // 2}" y="{SIZE - 28}" text-anchor="middle" font-family="sans-serif" font-size="24" '
        f'font-weight="600" fill="{ink}">{escape(name[:32])}</text></svg>'
    )
