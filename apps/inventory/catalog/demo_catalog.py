"""The demo catalog `seed` loads: 8 categories x 8 products, deterministic, with stock and pictures."""

from __future__ import annotations

from decimal import Decimal

# slug, name, motif, base price, product nouns, what they are made of / for
CATEGORIES = [
    (
        "kitchen",
        "Kitchen",
        "mug",
        14,
        ["Mug", "Teapot", "Espresso Cup", "Mixing Bowl", "Salad Bowl", "Pitcher", "Jar", "Tumbler"],
        "stoneware",
    ),
    (
        "books",
        "Books",
        "book",
        18,
        ["Field Guide", "Cookbook", "Sketchbook", "Atlas", "Novel", "Poetry Collection", "Journal", "Almanac"],
        "paper",
    ),
    (
        "apparel",
        "Apparel",
        "shirt",
        29,
        ["T-Shirt", "Hoodie", "Polo", "Sweatshirt", "Tank Top", "Henley", "Long Sleeve Tee", "Rugby Shirt"],
        "organic cotton",
    ),
    (
        "lighting",
        "Lighting",
        "lamp",
        49,
        [
            "Desk Lamp",
            "Floor Lamp",
            "Pendant Light",
            "Reading Lamp",
            "Table Lamp",
            "Wall Sconce",
            "Night Light",
            "Lantern",
        ],
        "brushed metal",
    ),
    (
        "garden",
        "Garden & Plants",
        "plant",
        22,
        [
            "Fern",
            "Monstera",
            "Snake Plant",
            "Herb Planter",
            "Olive Tree",
            "Succulent Trio",
            "Pothos",
            "Fiddle Leaf Fig",
        ],
        "terracotta",
    ),
    (
        "sports",
        "Sports",
        "ball",
        25,
        [
            "Football",
            "Basketball",
            "Volleyball",
            "Medicine Ball",
            "Rugby Ball",
            "Handball",
            "Yoga Ball",
            "Training Ball",
        ],
        "rubber",
    ),
    (
        "audio",
        "Audio",
        "headphones",
        79,
        [
            "Headphones",
            "Earbuds",
            "Studio Monitors",
            "Travel Headset",
            "Gaming Headset",
            "Kids Headphones",
            "DJ Headphones",
            "Sleep Headphones",
        ],
        "aluminium",
    ),
    (
        "gifts",
        "Gifts",
        "gift",
        19,
        ["Gift Box", "Candle Set", "Tea Sampler", "Chocolate Box", "Card Set", "Puzzle", "Bath Set", "Coffee Sampler"],
        "recycled card",
    ),
]
ADJECTIVES = ["Aurora", "Harbor", "Juniper", "Meadow", "Nimbus", "Quartz", "Saffron", "Tundra"]


def demo_products() -> list[dict]:
    products = []
    for c_index, (slug, _, motif, base, nouns, material) in enumerate(CATEGORIES):
        for p_index, noun in enumerate(nouns):
            adjective = ADJECTIVES[(p_index + c_index) % len(ADJECTIVES)]
            name = f"{adjective} {noun}"
            sku = f"{slug[:3].upper()}-{p_index + 1:03d}"
            products.append(
                {
                    "sku": sku,
                    "slug": f"{adjective}-{noun}".lower().replace(" ", "-"),
                    "name": name,
                    "description": (
                        f"The {name} is made of {material}, designed to last and to please every day. "
                        f"Part of our {adjective} line: simple shapes, honest materials, fair prices."
                    ),
                    "price": Decimal(base + 3 * p_index) + Decimal("0.99"),
                    "category": slug,
                    "motif": motif,
                    "on_hand": 12 + (7 * p_index + 5 * c_index) % 90,
                }
            )
    return products
