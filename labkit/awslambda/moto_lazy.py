"""Containers that read their contents the first time they are used (the lazy parts of moto_patches)."""

from __future__ import annotations

__all__ = ["LazyDict", "LazyList", "LazyRegions", "LazyClassAttribute"]


class LazyDict(dict):
    """A dict filled by ``load()`` the first time it is read."""

    def __init__(self, load):
        super().__init__()
        self._load = load

    def _ready(self):
        load, self._load = self._load, None
        if load is not None:
            dict.update(self, load())
        return self

    def __getitem__(self, key):
        return dict.__getitem__(self._ready(), key)

    def __contains__(self, key):
        return dict.__contains__(self._ready(), key)

    def __iter__(self):
        return dict.__iter__(self._ready())

    def __len__(self):
        return dict.__len__(self._ready())

    def __bool__(self):
        return dict.__len__(self._ready()) > 0

    def __repr__(self):
        return dict.__repr__(self._ready())

    def __eq__(self, other):
        return dict.__eq__(self._ready(), other)

    __hash__ = None  # type: ignore[assignment]

    def get(self, key, default=None):
        return dict.get(self._ready(), key, default)

    def keys(self):
        return dict.keys(self._ready())

    def values(self):
        return dict.values(self._ready())

    def items(self):
        return dict.items(self._ready())

    def copy(self):
        return dict(self._ready())

    def __setitem__(self, key, value):
        dict.__setitem__(self._ready(), key, value)

    def __delitem__(self, key):
        dict.__delitem__(self._ready(), key)

    def pop(self, *args):
        return dict.pop(self._ready(), *args)

    def setdefault(self, key, default=None):
        return dict.setdefault(self._ready(), key, default)

    def update(self, *args, **kwargs):
        dict.update(self._ready(), *args, **kwargs)


class LazyList(list):
    """A list filled by ``load()`` the first time it is read."""

    def __init__(self, load):
        super().__init__()
        self._load = load

    def _ready(self):
        load, self._load = self._load, None
        if load is not None:
            list.extend(self, load())
        return self

    def __getitem__(self, index):
        return list.__getitem__(self._ready(), index)

    def __contains__(self, item):
        return list.__contains__(self._ready(), item)

    def __iter__(self):
        return list.__iter__(self._ready())

    def __len__(self):
        return list.__len__(self._ready())

    def __bool__(self):
        return list.__len__(self._ready()) > 0

    def __repr__(self):
        return list.__repr__(self._ready())

    def __eq__(self, other):
        return list.__eq__(self._ready(), other)

    __hash__ = None  # type: ignore[assignment]


def _ready_first(name):
    method = getattr(list, name)

    def call(self, *args, **kwargs):
        return method(self._ready(), *args, **kwargs)

    call.__name__ = name
    return call


for _name in (
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "index",
    "count",
    "__setitem__",
    "__delitem__",
    "__reversed__",
    "__add__",
    "copy",
    "sort",
):
    setattr(LazyList, _name, _ready_first(_name))


class LazyRegions(dict):
    """region → offerings, each region's file read when that region is first looked up."""

    def __init__(self, location_type: str, paths: dict, load):
        super().__init__()
        self._location_type, self._paths, self._load_file = location_type, dict(paths), load

    def _region(self, region):
        path = self._paths.pop(region, None)
        if path is not None:
            offerings = self._load_file(path)
            for offering in offerings:
                offering["LocationType"] = self._location_type
            dict.__setitem__(self, region, offerings)

    def _all(self):
        for region in list(self._paths):
            self._region(region)
        return self

    def __getitem__(self, region):
        self._region(region)
        return dict.__getitem__(self, region)

    def get(self, region, default=None):
        self._region(region)
        return dict.get(self, region, default)

    def __contains__(self, region):
        return region in self._paths or dict.__contains__(self, region)

    def __iter__(self):
        return dict.__iter__(self._all())

    def __len__(self):
        return len(self._paths) + dict.__len__(self)

    def keys(self):
        return dict.keys(self._all())

    def values(self):
        return dict.values(self._all())

    def items(self):
        return dict.items(self._all())


class LazyClassAttribute:
    """A class attribute computed on first use (moto's ``InstanceTypeBackend.instance_types``)."""

    def __init__(self, build):
        self._build, self._value = build, None

    def __get__(self, obj, cls=None):
        if self._value is None:
            self._value = self._build()
        return self._value
