import hvac
import requests
from django.core.management.base import BaseCommand, CommandError

from retail_common.config.environment import env
from retail_common.ops.kube_secret import KubeSecret
from retail_common.ops.vault_setup import Bootstrap


class Command(BaseCommand):
    help = "Initialise, unseal and configure Vault for the cluster (idempotent); the vault-bootstrap Job runs it."
    requires_system_checks = []  # it runs before any secret the checks look for exists

    def handle(self, *args, **options):
        address = env.str("VAULT_ADDR", default="")
        if not address:
            raise CommandError("Set VAULT_ADDR to the Vault server (http://vault.retail-data.svc.cluster.local:8200).")
        store = KubeSecret(
            namespace=env.str("VAULT_UNSEAL_NAMESPACE", default="retail-data"),
            name=env.str("VAULT_UNSEAL_SECRET", default="vault-unseal"),
        )
        try:
            changes = Bootstrap(hvac.Client(url=address, timeout=10), store).run()
        except (hvac.exceptions.VaultError, requests.RequestException, OSError, RuntimeError) as exc:
            raise CommandError(f"vault_bootstrap failed: {exc.__class__.__name__}: {exc}") from exc
        for change in changes:
            self.stdout.write(f"  {change}")
        self.stdout.write(self.style.SUCCESS(f"vault_bootstrap: {len(changes) or 'no'} change(s)"))
