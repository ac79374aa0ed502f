pytest_plugins = ["retail_dev.testing.fixtures"]
