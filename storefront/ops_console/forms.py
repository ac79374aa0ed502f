"""The failed-events filters: what the page's selects offer, and a topic name as Kafka spells one."""

from backends import clients
from django import forms

from ops_console.failed_events import STATUSES

TOPIC_NAME = r"^[A-Za-z0-9._-]{0,249}$"  # Kafka's own rule for topic names


class FailedEventFilterForm(forms.Form):
    # A value the selects do not offer (a hand-edited address) means "any", as an empty one does.
    service = forms.CharField(required=False)
    status = forms.CharField(required=False)
    topic = forms.RegexField(
        TOPIC_NAME,
        required=False,
        strip=True,  # RegexField keeps spaces unless told: a pasted " order-created " is that topic
        max_length=249,
        error_messages={"invalid": "A topic name has only letters, digits, dots, dashes and underscores."},
    )

    def clean_service(self):
        return self.cleaned_data["service"] if self.cleaned_data["service"] in clients.SERVICES else ""

    def clean_status(self):
        return self.cleaned_data["status"] if self.cleaned_data["status"] in STATUSES else ""
