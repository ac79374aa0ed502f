"""A minimal Django project that exercises retail_common the way a service does, plus its tests."""
