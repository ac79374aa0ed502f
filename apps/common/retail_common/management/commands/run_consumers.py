import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from retail_common.events.consumer.runner import ConsumerRunner
from retail_common.events.handlers import registered_groups
from retail_common.observability.metrics.exposition import serve_role_metrics


class Command(BaseCommand):
    help = "Consume this service's topics (all its groups, or one with --group) until SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--group", help="Only this consumer group.")

    def handle(self, *args, group, **options):
        groups = [group] if group else registered_groups()
        if not groups:
            raise CommandError("No event handlers are registered (RETAIL['EVENT_HANDLER_MODULES']).")
        unknown = set(groups) - set(registered_groups())
        if unknown:
            raise CommandError(f"No handlers for group(s) {', '.join(sorted(unknown))}; known: {registered_groups()}")
        runners = [ConsumerRunner(g) for g in groups]
        metrics_port = serve_role_metrics("consumers")

        def stop(*_):
            for runner in runners:
                runner.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if metrics_port:
            self.stdout.write(f"run_consumers: metrics on port {metrics_port}")
        for runner in runners:
            self.stdout.write(f"run_consumers: group {runner.group} on {', '.join(runner.topics)}")
        threads = [threading.Thread(target=r.run, name=f"consumer-{r.group}") for r in runners[1:]]
        for thread in threads:
            thread.start()
        runners[0].run()  # signals are delivered to the main thread
        for thread in threads:
            thread.join()
        self.stdout.write("run_consumers: stopped cleanly")
