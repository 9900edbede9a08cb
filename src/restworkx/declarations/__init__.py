"""The shared machinery: applications declare their objects with these."""
