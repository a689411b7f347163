"""Normalisation of place fields: countries, phones, opening hours, addresses."""
