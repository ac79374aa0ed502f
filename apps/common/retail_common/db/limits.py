"""Largest values PostgreSQL's integer columns hold: serializers bound their input by them, so an
over-large number is a 400 naming the field instead of a DataError (a 500) from the database."""

PG_INTEGER_MAX = 2**31 - 1  # integer (IntegerField, PositiveIntegerField)
PG_BIGINT_MAX = 2**63 - 1  # bigint (BigIntegerField, BigAutoField ids), also protobuf's int64
