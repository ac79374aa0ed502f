"""Card-number rules shared by the storefront's checkout form and the orders API."""


def card_digits(value: str) -> str:
    """The number without the spaces and dashes people type."""
    return value.replace(" ", "").replace("-", "")


def luhn_valid(number: str) -> bool:
    """The Luhn check digit holds (`number` is digits only)."""
    digits = [int(d) for d in number]
    for index in range(len(digits) - 2, -1, -2):
        digits[index] = digits[index] * 2 - 9 if digits[index] > 4 else digits[index] * 2
    return sum(digits) % 10 == 0


def card_number_problem(value: str) -> str | None:
    """Why this is not a card number, or None when it is one."""
    number = card_digits(value)
    if not (number.isascii() and number.isdigit()) or not 12 <= len(number) <= 19:  # "²" is a digit too
        return "Enter a card number of 12 to 19 digits."
    if not luhn_valid(number):
        return "This card number is not valid (check digit)."
    return None
