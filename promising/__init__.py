"""promising — an order-promising engine (ATP/CTP): what can be delivered, from where, when."""

__version__ = "0.1.0"
