pytest_plugins = ["retail_common.testing"]
