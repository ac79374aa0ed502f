from django.db.models import QuerySet

from billing.models import Payment


def payment_list_for_user(*, user_id, order_id=None) -> QuerySet[Payment]:
    payments = Payment.objects.filter(user_id=user_id)
    return payments.filter(order_id=order_id) if order_id else payments


def payment_list(*, order_id=None, status=None) -> QuerySet[Payment]:
    payments = Payment.objects.all()
    if order_id:
        payments = payments.filter(order_id=order_id)
    return payments.filter(status=status) if status else payments
