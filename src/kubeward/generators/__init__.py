"""Generators: write the least-privilege objects that close a gap, and re-check their own
output with the engines before anything is printed or written."""
