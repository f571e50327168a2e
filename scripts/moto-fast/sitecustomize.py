# Loaded by moto_server when this directory is on PYTHONPATH (the cost and
# scale benchmarks): moto deep-copies the whole table for every item of every
# TransactWriteItems, to roll back a malformed one, which makes seeding
# thousands of items quadratic. The benchmarks' writes are well-formed, so
# the table is not snapshotted. Never used by the tests.
import copy as _copy
import moto.dynamodb.models as _models
from moto.dynamodb.models.table import Table as _Table


class _NoTableSnapshot:
    copy = staticmethod(_copy.copy)

    @staticmethod
    def deepcopy(x, memo=None):
        return x if isinstance(x, _Table) else _copy.deepcopy(x, memo)


_models.copy = _NoTableSnapshot()
