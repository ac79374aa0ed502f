from confluent_kafka import KafkaException
from django.core.management.base import BaseCommand, CommandError

from retail_common.config.retail_settings import retail_settings
from retail_common.events import registry
from retail_common.events.kafka import topics_ensure


class Command(BaseCommand):
    help = "Create every registered topic (main, retry and dead-letter) that does not exist yet."

    def add_arguments(self, parser):
        parser.add_argument("--partitions", type=int, default=None)

    def handle(self, *args, partitions, **options):
        names = registry.all_topics()
        config = retail_settings()
        self.stdout.write(f"topics: {len(names)} on {config.KAFKA_BOOTSTRAP_SERVERS} (prefix {config.TOPIC_PREFIX!r})")
        try:
            results = topics_ensure(names, partitions=partitions)
        except KafkaException as exc:
            raise CommandError(f"Could not create topics on {config.KAFKA_BOOTSTRAP_SERVERS}: {exc}") from exc
        for name, outcome in results:
            self.stdout.write(f"  {outcome:8} {registry.physical(name)}")
        created = sum(1 for _, outcome in results if outcome == "created")
        self.stdout.write(self.style.SUCCESS(f"topics: {created} created, {len(results) - created} existing"))
