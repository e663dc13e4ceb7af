"""PSP adapters, one file each, behind the `PaymentProvider` protocol of `base.py`."""
