"""Checks beside the eval: OCR damage and personal-data detection, on generated cases."""
