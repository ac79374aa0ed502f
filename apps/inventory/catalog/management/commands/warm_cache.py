from django.core.management.base import BaseCommand

from catalog.cache_warmer import warm


class Command(BaseCommand):
    help = "Fill the L2 cache with the hottest products (trending, else the first page) and the first list pages."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1:8002", help="Host the answers' absolute links use.")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args, host, limit, **options):
        warmed = warm(host, limit)
        self.stdout.write(f"warm_cache: {warmed.products} products and {warmed.pages - 1} list pages cached for {host}")
