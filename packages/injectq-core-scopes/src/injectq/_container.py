"""The container: bindings, the default container, resolution entry points and scopes."""

from __future__ import annotations

import inspect
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast, overload

from ._compiler import Compiler, Resolver
from ._errors import (
    BindingError,
    InjectQError,
    MissingBindingError,
    ScopeError,
    add_path_note,
)
from ._graph import Graph
from ._keys import check_key, is_checkable_class, is_protocol, key_name
from ._lifetimes import (
    CONTEXT,
    SCOPED,
    SINGLETON,
    TRANSIENT,
    check_lifetime,
    declared_lifetime,
)
from ._propagation import (
    DEFAULT_MAX_BYTES,
    Propagated,
    PropagationError,
    declare,
    encode,
    import_,
    label_of,
)
from ._providers import MISSING, Kind, Provider, factory_kind
from ._scope import Scope, ScopeRuntime

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Mapping

    from ._graph_render import GraphFormat
    from ._module import Module
    from ._validation import ValidationWarning

T = TypeVar("T")


class InjectQ:
    """A dependency-injection container.

    Bind keys to instances, classes or factories; resolve them with `get` / `aget`; open a
    `scope()` per unit of work. Resolution plans are compiled once per key.
    """

    _default: ClassVar[InjectQ | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._bindings: dict[Any, Provider] = {}
        self._overrides: dict[Any, Any] = {}
        self._context_keys: set[Any] = set()
        self._propagated: dict[Any, Propagated] = {}
        self._active: ContextVar[Scope | None] = ContextVar(f"injectq_scope_{id(self):x}")
        self._lock = threading.RLock()
        runtime = ScopeRuntime(self._active, self._resolve_in, self._aresolve_in, self._open_scope)
        self._runtime = runtime
        #: the singletons, held by the container's own (root) scope
        self._singletons: dict[Any, Any] = {}
        self._root = Scope.root_of(runtime, self._singletons)
        self._graph = Graph(self._provider_for, self._can_provide)
        self._resolvers: dict[Any, Resolver] = {}
        self._aresolvers: dict[Any, tuple[Resolver, bool]] = {}
        self._fast = _Resolved(self._resolvers, self._sync_resolver, self._active, self._root)
        self._compiler = Compiler(self._graph, self._root, self._singletons, self._fast)
        # `get` of a made singleton is then one C-level dict lookup; a miss resolves the key.
        self.__dict__["get"] = self._fast.__getitem__
        # `scope()` opens a Scope without a Python call of its own in between
        self.__dict__["scope"] = partial(Scope, runtime)

    def __repr__(self) -> str:
        return f"<InjectQ {len(self._bindings)} bindings>"

    @classmethod
    def get_instance(cls) -> InjectQ:
        """The process-wide default container, created on first use."""
        default = cls._default
        if default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = InjectQ()
                default = cls._default
        return default

    # binding

    def bind(self, key: Any, value: Any, *, scope: str | None = None) -> None:
        """Bind `key` to an instance (that object, always) or to a class (autowired)."""
        check_key(key)
        if value is None:
            raise BindingError(
                f"cannot bind {key_name(key)} to None",
                path=(key_name(key),),
                fix="bind an instance, a class or use bind_factory; for an optional "
                "dependency annotate the parameter `T | None = None` and leave T unbound",
            )
        if isinstance(value, type):
            self._bind_class(key, value, scope)
            return
        if scope is not None:
            raise BindingError(
                f"scope={scope!r} was given with an instance of {type(value).__qualname__} "
                f"for {key_name(key)}: an instance is always that one object",
                path=(key_name(key),),
                fix="bind the class to let InjectQ build it with that lifetime, or drop scope=",
            )
        if is_checkable_class(key) and not isinstance(value, key):
            hint = (
                "use bind_factory to bind a factory function"
                if callable(value)
                else f"bind an instance of {key_name(key)}"
            )
            raise BindingError(
                f"{value!r} is not an instance of {key_name(key)}",
                path=(key_name(key),),
                fix=hint,
            )
        self._register(Provider(key, Kind.INSTANCE, value, SINGLETON, "bind"))

    def _bind_class(self, key: Any, cls: type, scope: str | None) -> None:
        if is_checkable_class(key) and key is not cls and not issubclass(cls, key):
            raise BindingError(
                f"{cls.__qualname__} is not a subclass of {key_name(key)}",
                path=(key_name(key),),
                fix=f"bind a class that implements {key_name(key)}",
            )
        if is_protocol(cls) or inspect.isabstract(cls):
            raise BindingError(
                f"{cls.__qualname__} is abstract and cannot be built",
                path=(key_name(key),),
                fix="bind a concrete implementation of it",
            )
        lifetime = check_lifetime(scope) if scope is not None else None
        lifetime = lifetime or declared_lifetime(cls) or SINGLETON
        self._register(Provider(key, Kind.CALL, cls, lifetime, "bind"))

    def __setitem__(self, key: Any, value: Any) -> None:
        self.bind(key, value)

    def bind_factory(
        self, key: Any, factory: Callable[..., Any], *, scope: str | None = None
    ) -> None:
        """Bind `key` to a factory: a function, async function, (async) generator function,
        or one returning a (async) context manager. Its parameters are injected."""
        check_key(key)
        if not callable(factory):
            raise BindingError(
                f"the factory for {key_name(key)} must be callable, got {factory!r}",
                path=(key_name(key),),
                fix="pass a function (or use bind() for an instance)",
            )
        lifetime = check_lifetime(scope) if scope is not None else None
        lifetime = lifetime or declared_lifetime(factory) or TRANSIENT
        self._register(Provider(key, factory_kind(factory), factory, lifetime, "bind_factory"))

    def install(self, module: Module) -> None:
        """Apply a Module: its `configure(binder)` and its `@provider` methods."""
        from ._module import Binder, Module

        candidate = cast("object", module)  # callers without type checking pass anything
        if not isinstance(candidate, Module):
            raise BindingError(
                f"install() takes a Module instance, got {module!r}",
                fix="pass an instance: container.install(MyModule())",
            )
        module.configure(Binder(self))
        for key, method, scope in module.provider_methods():
            self.bind_factory(key, method, scope=scope)

    def _register(self, provider: Provider) -> None:
        with self._lock:
            if provider.key in self._context_keys:
                raise BindingError(
                    f"{key_name(provider.key)} is already supplied as a scope context value",
                    path=(key_name(provider.key),),
                    fix="do not bind keys that the scopes supply through context=",
                )
            if provider.key in self._propagated:
                _check_propagated_lifetime(provider)
            self._bindings[provider.key] = provider
            self._invalidate()

    def declare_context(self, *keys: Any) -> None:
        """Declare keys whose values each scope supplies through `scope(context=...)`.

        Adapters declare their framework's objects (a Request, a task message) this way so that
        factories can depend on them; `validate()` then knows they are not missing.
        """
        with self._lock:
            for key in keys:
                check_key(key, action="declare")
                if key in self._context_keys:
                    continue
                if key in self._bindings:
                    raise BindingError(
                        f"{key_name(key)} is bound, so it cannot also be a scope context value",
                        path=(key_name(key),),
                        fix="remove the binding, or pass the value under another key",
                    )
                self._context_keys.add(key)
            self._invalidate()

    def _invalidate(self) -> None:
        self._graph.clear()
        self._compiler.clear()
        self._resolvers.clear()
        self._aresolvers.clear()
        self._fast.clear()

    # what provides a key

    def _provider_for(self, key: Any) -> Provider:
        if key in self._overrides:
            return Provider(key, Kind.INSTANCE, self._overrides[key], SINGLETON, "override")
        provider = self._bindings.get(key)
        if provider is not None:
            return provider
        if key in self._context_keys:
            return Provider(key, Kind.CONTEXT_VALUE, None, CONTEXT, "context")
        if _autowirable(key):
            lifetime = declared_lifetime(key) or TRANSIENT
            return Provider(key, Kind.CALL, key, lifetime, "autowired")
        raise MissingBindingError(
            f"no binding for {key_name(key)}",
            path=(key_name(key),),
            fix=_missing_fix(key),
        )

    def _can_provide(self, key: Any) -> bool:
        return key in self._overrides or key in self._bindings or key in self._context_keys

    def is_bound(self, key: Any) -> bool:
        """True when `key` has a binding, an override or is a scope context key."""
        return self._can_provide(key)

    # resolving

    @overload
    def get(self, key: Callable[..., T]) -> T: ...
    @overload
    def get(self, key: str) -> Any: ...
    def get(self, key: Any) -> Any:
        """Resolve `key` in the active scope (or the container when none is open)."""
        # Each instance replaces this method with `self._fast.__getitem__` (see __init__).
        return self._fast[key]

    @overload
    def __getitem__(self, key: Callable[..., T]) -> T: ...
    @overload
    def __getitem__(self, key: str) -> Any: ...
    def __getitem__(self, key: Any) -> Any:
        """`container[key]` is `container.get(key)`."""
        return self._fast[key]

    def _resolve_in(self, scope: Scope, key: Any) -> Any:
        resolver = self._resolvers.get(key)
        if resolver is None:
            resolver = self._sync_resolver(key)
        try:
            value = resolver(scope)
        except Exception as error:
            add_path_note(error)
            raise
        return value

    def _sync_resolver(self, key: Any) -> Resolver:
        check_key(key, action="resolve")
        with self._lock:
            try:
                resolver = self._compiler.sync_resolver(key)
            except InjectQError as error:
                add_path_note(error)
                raise
            self._resolvers[key] = resolver
            return resolver

    @overload
    async def aget(self, key: Callable[..., T]) -> T: ...
    @overload
    async def aget(self, key: str) -> Any: ...
    async def aget(self, key: Any) -> Any:
        """Resolve `key` in the active scope, awaiting async factories."""
        try:
            value = self._fast.get(key, MISSING)
        except TypeError:  # unhashable
            check_key(key, action="resolve")
            raise
        if value is not MISSING:
            return value
        entry = self._aresolvers.get(key) or self._async_resolver(key)
        try:
            if entry[1]:
                return await entry[0](self._active.get(None) or self._root)
            return entry[0](self._active.get(None) or self._root)
        except Exception as error:
            add_path_note(error)
            raise

    async def _aresolve_in(self, scope: Scope, key: Any) -> Any:
        entry = self._aresolvers.get(key) or self._async_resolver(key)
        try:
            if entry[1]:
                return await entry[0](scope)
            return entry[0](scope)
        except Exception as error:
            add_path_note(error)
            raise

    def _async_resolver(self, key: Any) -> tuple[Resolver, bool]:
        check_key(key, action="resolve")
        with self._lock:
            try:
                entry = self._compiler.async_resolver(key)
            except InjectQError as error:
                add_path_note(error)
                raise
            self._aresolvers[key] = entry
            return entry

    def source(self, key: Any, *, is_async: bool = False) -> str:
        """The Python source InjectQ generated to resolve `key` (for reading and debugging)."""
        check_key(key, action="resolve")
        return self._compiler.source(key, is_async=is_async)

    # scopes

    def scope(
        self,
        name: str | None = None,
        *,
        context: Mapping[Any, Any] | None = None,
        isolated: bool = False,
    ) -> Scope:
        """A new scope, a child of the active one (of the container when `isolated`).

        Use it as `with container.scope():` or `async with container.scope():`. Values in
        `context` are injectable inside it, keyed as given.
        """
        return Scope(self._runtime, name, context=context, isolated=isolated)

    def _open_scope(
        self, name: str | None, context: Mapping[Any, Any] | None, isolated: bool
    ) -> tuple[Scope, dict[Any, Any]]:
        """Check a scope's name and context values; return its parent and initial cache."""
        if name is not None and (type(name) is not str or not name):
            _check_scope_name(name)
        parent = self._root if isolated else (self._active.get(None) or self._root)
        if not context:
            return parent, {}
        values = dict(context)
        declared = self._context_keys
        undeclared: list[Any] = []
        for key, value in values.items():
            if value is None or (type(value) is not key and not _plain_instance(key, value)):
                _check_context_value(key, value)
            if key in declared:
                continue
            provider = self._bindings.get(key)
            if provider is None:
                undeclared.append(key)
            elif provider.lifetime not in (SCOPED, name):
                # a bound key is seeded as this scope's own instance: it must live in a scope
                raise BindingError(
                    f"scope context gives {key_name(key)}, which is bound as "
                    f"{provider.lifetime}: only scoped services and context values can "
                    "differ from one scope to the next",
                    path=(key_name(key),),
                    fix=f"bind {key_name(key)} with scope='scoped', or pass it under another key",
                )
        if undeclared:
            self.declare_context(*undeclared)
        return parent, values

    # context that travels with handed-off work

    def propagate(
        self, key: Any, *, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        """Declare that `key`'s value in a unit of work travels with the work it hands off.

        `key` is a dataclass or pydantic model of plain fields, or a str/int/float/bool
        NewType. The adapters export it from the sender's scope (`export_context`) and import
        it into the receiver's (`import_context`): a task sees the request's correlation id.
        """
        check_key(key, action="propagate")
        entry = declare(key, name, max_bytes)
        with self._lock:
            for other in self._propagated.values():
                if other.name == entry.name and other.key != key:
                    raise PropagationError(
                        f"{key_name(key)} and {key_name(other.key)} would both travel as "
                        f"{entry.name!r}",
                        fix="give one of them another name=",
                    )
            provider = self._bindings.get(key)
            if provider is not None:
                _check_propagated_lifetime(provider)
            self._propagated[key] = entry

    def export_context(self, scope: Scope | None = None) -> dict[str, str]:
        """The propagated values of `scope` (default: the active one) as plain JSON text.

        Returns `{}` outside any scope. A propagated key that the scope cannot provide (no
        binding, no context value) is left out; any other failure is raised.
        """
        source = scope if scope is not None else self._active.get(None)
        if source is None or source.parent is None or not self._propagated:
            return {}
        carried: dict[str, str] = {}
        for key, entry in list(self._propagated.items()):
            try:
                value = source.get(key)
            except (ScopeError, MissingBindingError):
                continue
            carried[label_of(entry)] = encode(entry, value)
        return carried

    def import_context(self, carried: Mapping[str, object]) -> dict[Any, Any]:
        """Rebuild propagated values from what a message carried, for `scope(context=...)`.

        Only declared keys are read; a malformed, oversized or ill-typed value raises
        PropagationError (the unit of work must fail rather than run with it). Entries not
        named like propagated values are ignored.
        """
        if not self._propagated:
            return {}
        return import_(self._propagated, carried)

    @property
    def current_scope(self) -> Scope | None:
        """The active scope of this container in the current context, if any."""
        return self._active.get(None)

    # testing

    @contextmanager
    def override(self, key: Any, value: Any) -> Generator[Any, None, None]:
        """While active, `key` resolves to `value` everywhere: API, tasks, tools.

        Singletons already made that depend on `key` are set aside and rebuilt on demand with
        the override; when it ends they come back.
        """
        check_key(key, action="override")
        if value is None:
            raise BindingError(
                f"cannot override {key_name(key)} with None",
                path=(key_name(key),),
                fix="override with a fake instance",
            )
        with self._lock:
            previous = self._overrides.get(key, MISSING)
            affected = self._singletons_depending_on(key)
            stashed = self._root.set_aside(affected)
            self._overrides[key] = value
            self._invalidate()
        try:
            yield value
        finally:
            with self._lock:
                # singletons made while the override was active hold the fake: drop them too
                affected |= self._singletons_depending_on(key)
                if previous is MISSING:
                    del self._overrides[key]
                else:
                    self._overrides[key] = previous
                self._root.put_back(affected, stashed)
                self._invalidate()

    def _singletons_depending_on(self, key: Any) -> set[Any]:
        """Keys of made singletons whose graph reaches `key` (and `key` itself)."""
        affected = {key}
        for made in self._root.held_keys():
            try:
                node = self._graph.node(made)
            except InjectQError:
                continue
            if _reaches(node, key):
                affected.add(made)
        return affected

    # validation and shutdown

    def validate(self, *, entry_points: Iterable[object] = ()) -> list[ValidationWarning]:
        """Check every binding's graph now, and each entry point in its own runtime.

        Raises ValidationError listing every problem at once; returns (and emits through
        `warnings`) what is suspicious but not wrong. `entry_points` takes `EntryPoint`s or
        `@inject` functions (the adapters add their endpoints, tasks and tools).
        """
        from ._validation import validate

        with self._lock:
            propagated = frozenset(self._propagated)
            return validate(self._bindings, self._graph, entry_points, propagated)

    def graph(self, *, entry_points: Iterable[object] = (), format: GraphFormat = "mermaid") -> str:
        """The dependency graph as Mermaid (default) or Graphviz DOT (`format="dot"`) text.

        Each key is a node showing its lifetime; an edge goes from a service to each
        dependency. With `entry_points` (as for `validate`), each is a node of its own and only
        what they reach is drawn. Nothing is built or resolved: unbound keys, cycles, captive
        dependencies and context values an entry point's runtime lacks are drawn in red.
        """
        from ._graph_render import render
        from ._graph_view import build_view

        with self._lock:
            view = build_view(
                self._provider_for,
                self._can_provide,
                list(self._bindings),
                entry_points,
                frozenset(self._propagated),
            )
        return render(view, format)

    def close(self) -> None:
        """Finalize the singletons (newest first); the container can be used again after."""
        try:
            self._root.close()
        finally:
            self._fast.clear()

    async def aclose(self) -> None:
        """Finalize the singletons, running async finalizers too."""
        try:
            await self._root.aclose()
        finally:
            self._fast.clear()


class _Resolved(dict[Any, Any]):
    """Made singletons by key; looking up any other key resolves it in the active scope."""

    __slots__ = ("_active", "_compile", "_resolvers", "_root")

    def __init__(
        self,
        resolvers: dict[Any, Resolver],
        compile_resolver: Callable[[Any], Resolver],
        active: ContextVar[Scope | None],
        root: Scope,
    ) -> None:
        super().__init__()
        self._resolvers = resolvers
        self._compile = compile_resolver
        self._active = active
        self._root = root

    def __missing__(self, key: Any) -> Any:
        resolver = self._resolvers.get(key) or self._compile(key)
        try:
            return resolver(self._active.get(None) or self._root)
        except Exception as error:
            add_path_note(error)
            raise


def _check_propagated_lifetime(provider: Provider) -> None:
    # the receiving unit of work (a task, a tool call) gets the value as its own scope's:
    # a singleton, or a scope name that only the sender has, could not hold it there
    if provider.lifetime != SCOPED:
        name = key_name(provider.key)
        raise PropagationError(
            f"{name} is propagated, so each unit of work that receives it holds its own "
            f"value; it cannot be bound as {provider.lifetime}",
            path=(name,),
            fix=f"bind {name} with scope='scoped' (in an API that is the request's scope, "
            "in a worker the task's), or leave it unbound where it is only received",
        )


def _check_scope_name(name: object) -> None:
    if not isinstance(name, str) or not name:
        raise BindingError(
            f"a scope name must be a non-empty string, got {name!r}",
            fix="container.scope('session')",
        )


def _plain_instance(key: Any, value: Any) -> bool:
    """True when `value` may stand for `key` (the common cases, without raising)."""
    return not is_checkable_class(key) or isinstance(value, key)


def _check_context_value(key: Any, value: Any) -> None:
    if value is None:
        raise BindingError(
            f"the scope context value for {key_name(key)} is None",
            path=(key_name(key),),
            fix="pass a real value, or leave the key out",
        )
    if type(value) is not key and is_checkable_class(key) and not isinstance(value, key):
        raise BindingError(
            f"the scope context value for {key_name(key)} is {value!r}, "
            f"not an instance of {key_name(key)}",
            path=(key_name(key),),
            fix=f"pass an instance of {key_name(key)} under that key",
        )


def _reaches(node: Any, key: Any) -> bool:
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for _, argument in current.arguments:
            if argument is None:
                continue
            if argument.key == key:
                return True
            stack.append(argument)
    return False


def _autowirable(key: object) -> bool:
    return (
        isinstance(key, type)
        and not _is_container_class(key)
        and is_checkable_class(key)
        and key.__module__ != "builtins"
        and not inspect.isabstract(key)
    )


def _is_container_class(key: type) -> bool:
    # autowiring it would make a new, empty container: never what was meant
    return issubclass(key, InjectQ)


def _missing_fix(key: object) -> str:
    name = key_name(key)
    if is_protocol(key):
        return f"bind an implementation: container.bind({name}, Impl)"
    if isinstance(key, type) and inspect.isabstract(key):
        return f"{name} is abstract: bind a concrete subclass with container.bind({name}, Impl)"
    if isinstance(key, type) and key.__module__ == "builtins":
        return f"bind a value: container[{name}] = ..."
    if isinstance(key, type) and _is_container_class(key):
        return (
            "inject the services you need instead of the container; to hand one over on "
            f"purpose, bind it: container.bind({name}, container)"
        )
    return f"bind it: container.bind({name}, ...) or container.bind_factory({name}, factory)"
