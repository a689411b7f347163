"""Scrapy item pipelines: thin wrappers around the netcrawl library."""
