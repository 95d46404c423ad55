from tests.benchmarking.test_uploads import metrics  # noqa: F401 - the small metric catalogue
