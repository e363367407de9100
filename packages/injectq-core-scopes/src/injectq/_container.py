"""The container: bindings, scopes, and the entry points of resolution, propagation,
overrides and validation (each implemented in a module of its own)."""

from __future__ import annotations

import contextlib
import inspect
import os
import threading
import weakref
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar, Token
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast, overload

from ._binding import (
    Sources,
    bound_value_provider,
    can_autowire,
    check_context_value,
    check_scope_name,
    factory_provider,
    instance_provider,
    missing_fix,
    plain_instance,
    value_provider,
)
from ._errors import BindingError, InjectQError, MissingBindingError, ScopeError
from ._factories import Factories, awaited, check_given, invoke_arguments
from ._graph import Graph
from ._injector import Injector
from ._keys import check_key, key_name
from ._lifespan import Lifespan, Serving
from ._lifetimes import CONTEXT, SCOPED, SINGLETON, TRANSIENT, check_lifetime, declared_lifetime
from ._overrides import Overrides
from ._parameters import MISSING, InjectedParameter, marked_parameters
from ._propagation import DEFAULT_MAX_BYTES, Propagation, check_propagated_lifetime
from ._providers import Kind, Provider
from ._resolution import Resolution, agetter, getter
from ._scope import Scope, ScopeOpener, ScopeRuntime

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Mapping, Sequence
    from contextlib import AbstractContextManager

    from ._graph_render import GraphFormat
    from ._graph_view import KeyNode
    from ._module import Module
    from ._validation import ValidationWarning
    from .diagnostics import DependencyVisualizer

T = TypeVar("T")

#: the name of the one parameter of `aget_optional`'s injectors
_OPTIONAL = "value"


#: the container `with container.context():` made current in this context
_active_container: ContextVar[InjectQ | None] = ContextVar("injectq_container", default=None)


class ContainerContext:
    """What `container.context()` returns: while open, `InjectQ.get_instance()` (and so
    `@inject` without a container) is that container, in this thread or task only."""

    __slots__ = ("_token", "container")

    def __init__(self, container: InjectQ) -> None:
        self.container = container
        self._token: Token[InjectQ | None] | None = None

    def __enter__(self) -> InjectQ:
        self._token = _active_container.set(self.container)
        return self.container

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _active_container.reset(self._token)
            self._token = None

    async def __aenter__(self) -> InjectQ:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        self.__exit__(*exc_info)

    @staticmethod
    def get_current() -> InjectQ | None:
        """The container made current with `context()`, if any."""
        return _active_container.get()

    @staticmethod
    def set_current(container: InjectQ) -> None:
        """Make `container` current in this context (thread or task) until `clear_current()`
        (injectq 0.5.0's API; `with container.context():` restores the previous one itself)."""
        _active_container.set(container)

    @staticmethod
    def clear_current() -> None:
        """No container is current in this context any more."""
        _active_container.set(None)

    @staticmethod
    @contextmanager
    def use(container: InjectQ) -> Generator[InjectQ]:
        """`with ContainerContext.use(container):` is `with container.context():`."""
        with ContainerContext(container) as current:
            yield current

    @staticmethod
    @asynccontextmanager
    async def use_async(container: InjectQ) -> AsyncGenerator[InjectQ]:
        """`async with ContainerContext.use_async(container):`, the same for a task."""
        with ContainerContext(container) as current:
            yield current


#: every container of the process, for what a forked child must forget (held weakly)
_containers: weakref.WeakSet[InjectQ] = weakref.WeakSet()


class InjectQ:
    """A dependency-injection container.

    Bind keys to instances, classes or factories; resolve them with `get` / `aget`; open a
    `scope()` per unit of work. Resolution plans are compiled once per key.
    """

    _default: ClassVar[InjectQ | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()
    _forgets_at_fork: ClassVar[bool] = False

    def __init__(
        self,
        modules: Iterable[Module] = (),
        *,
        allow_override: bool = True,
        thread_safe: bool = True,
    ) -> None:
        """A container; `modules` are installed in order. `allow_override=False` makes
        binding a key twice an `AlreadyRegisteredError` (a `BindingError`). `thread_safe` is
        accepted for injectq 0.5.0's code: an InjectQ container always is."""
        del thread_safe
        self._allow_override = allow_override
        #: keys whose instance was bound with `allow_concrete=False`: not their class's too
        self._not_concrete: set[Any] = set()
        self._bindings: dict[Any, Provider] = {}
        self._sources = Sources()
        self._context_keys: set[Any] = set()
        self._propagation = Propagation()
        self._active: ContextVar[Scope | None] = ContextVar(f"injectq_scope_{id(self):x}")
        runtime = ScopeRuntime(self._active, self._open_scope)
        self._runtime = runtime
        #: the singletons, held by the container's own (root) scope
        singletons: dict[Any, Any] = {}
        self._root = Scope.root_of(runtime, singletons)
        self._graph = Graph(self._provider_for, self._can_provide, can_autowire)
        self._resolution = Resolution(self._graph, self._root, singletons, self._active)
        runtime.attach(self._resolution.resolve_in, self._resolution.aresolve_in)
        self._overrides = Overrides(self._resolution, self._root)
        self._serving = Serving()
        #: per factory: the injector `invoke` uses, with the binding generation it was made in
        self._invokers: dict[Any, tuple[int, Injector]] = {}
        #: per key: the injector of one `key | None` parameter (see `aget_optional`)
        self._optional_injectors: dict[Any, Injector] = {}
        _containers.add(self)
        if not InjectQ._forgets_at_fork and hasattr(os, "register_at_fork"):
            InjectQ._forgets_at_fork = True
            os.register_at_fork(after_in_child=InjectQ._forget_the_parents_singletons)
        # Per instance, for speed: `get` and `aget` are closures over what they read (a
        # method would add an attribute lookup and a bound-method call each time), and
        # `scope()` opens a Scope without a Python call of its own in between. The methods of
        # the same names below document them and are what type checkers read.
        self.__dict__["get"] = getter(self._resolution)
        self.__dict__["aget"] = agetter(self._resolution)
        self.__dict__["scope"] = partial(Scope, runtime)
        for module in modules:
            self.install(module)

    def __repr__(self) -> str:
        return f"<InjectQ {len(self._bindings)} bindings>"

    @classmethod
    def get_instance(cls) -> InjectQ:
        """The process-wide default container, created on first use."""
        active = _active_container.get()
        if active is not None:  # `with container.context():`
            return active
        default = cls._default
        if default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = InjectQ()
                default = cls._default
        return default

    def context(self) -> ContainerContext:
        """`with container.context():` makes this container the one `InjectQ.get_instance()`
        and `@inject` without a container use, in this context (thread or task) only."""
        return ContainerContext(self)

    def activate(self) -> None:
        """Make this container current in this context until `ContainerContext.clear_current()`
        (injectq 0.5.0's API; `with container.context():` is the form that undoes itself)."""
        ContainerContext.set_current(self)

    @classmethod
    def reset_instance(cls) -> None:
        """Forget the process-wide default container (the next `get_instance()` makes a new
        one). Its singletons are not closed here: close it first if it made any."""
        with cls._default_lock:
            cls._default = None

    @classmethod
    @contextmanager
    def test_mode(cls) -> Generator[InjectQ]:
        """A new container that is the process-wide default while the block runs (what
        `InjectQ.get_instance()` and `@inject` without a container use); closed after it,
        and the previous default put back."""
        container = cls()
        with cls._default_lock:
            previous, cls._default = cls._default, container
        try:
            yield container
        finally:
            with cls._default_lock:
                cls._default = previous
            container.close()

    # binding

    def bind(
        self,
        key: Any,
        value: Any = MISSING,
        *,
        scope: str | None = None,
        allow_concrete: bool = True,
        allow_none: bool = False,
    ) -> None:
        """Bind `key` to an instance (that object, always) or to a class (autowired);
        `bind(cls)` alone binds a class to itself.

        Binding a key again replaces its binding (see `install` for Modules); a singleton
        already made for it, and those of what depends on it, are made anew on next use (the
        old ones are finalized when the container closes). An instance is
        also what its own class resolves to while that class is unbound, unless
        `allow_concrete=False` (then the class is autowired as any other). None is refused
        unless `allow_none=True`: then `key` resolves to None.
        """
        self._register(bound_value_provider(key, value, scope, allow_none=allow_none), None)
        self._concrete(key, allow_concrete)

    def _concrete(self, key: Any, allow: bool) -> None:
        if allow:
            self._not_concrete.discard(key)
        else:
            self._not_concrete.add(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        """`container[key] = value` is `bind(key, value)`; `container[key] = None` makes `key`
        resolve to None (`allow_none=True`)."""
        self.bind(key, value, allow_none=True)

    def bind_instance(
        self, key: Any, instance: Any, *, allow_none: bool = False, allow_concrete: bool = True
    ) -> None:
        """Bind `instance` itself, even a class object (`bind` would build a class). `None`
        is refused unless `allow_none`: then `key` resolves to None."""
        self._register(instance_provider(key, instance, allow_none=allow_none))
        self._concrete(key, allow_concrete)

    def install_module(self, module: Module) -> None:
        """`install(module)` (injectq 0.5.0's name)."""
        self.install(module)

    def clear(self) -> None:
        """Close the singletons, then forget every binding, context key and propagated key:
        the container is as new."""
        self.close()
        with self._resolution.lock:
            self._bindings.clear()
            self._not_concrete.clear()
            self._optional_injectors.clear()
            self._invokers.clear()
            self._sources = Sources()
            self._context_keys.clear()
            self._propagation.entries.clear()
            self._resolution.clear()

    def bind_factory(
        self, key: Any, factory: Callable[..., Any], *, scope: str | None = None
    ) -> None:
        """Bind `key` to a factory: a function, async function, (async) generator function,
        or one returning a (async) context manager. Its parameters are injected."""
        self._register(factory_provider(key, factory, scope), None)

    def install(self, module: Module) -> None:
        """Apply a Module: its `configure(binder)` and its `@provider` methods.

        A key that an earlier Module bound may be bound again only by a Module that says so
        (`overrides = True`); if anything in the module fails, none of its bindings remain.
        """
        from ._module import Binder, Module

        candidate = cast("object", module)  # callers without type checking pass anything
        if not isinstance(candidate, Module):
            raise BindingError(
                f"install() takes a Module instance, got {module!r}",
                fix="pass an instance: container.install(MyModule())",
            )
        bindings, sources = dict(self._bindings), self._sources.snapshot()
        try:
            module.configure(Binder(self, partial(self._register, module=module)))
            for key, method, scope in module.provider_methods():
                self._register(factory_provider(key, method, scope), module)
        except BaseException:
            with self._resolution.lock:
                self._bindings.clear()
                self._bindings.update(bindings)
                self._sources.restore(sources)
                self._resolution.clear()
            raise

    def _register(self, provider: Provider, module: Module | None = None) -> None:
        key = provider.key
        with self._resolution.lock:
            if key in self._context_keys:
                raise BindingError(
                    f"{key_name(key)} is already supplied as a scope context value",
                    path=(key_name(key),),
                    fix="do not bind keys that the scopes supply through context=",
                )
            if key in self._propagation.entries:
                check_propagated_lifetime(provider)
            if not self._allow_override:
                self._refuse_rebinding(key)
            self._overrides.drop_made(key)
            self._sources.record(key, module)
            self._bindings[key] = provider
            self._resolution.clear()

    def _refuse_rebinding(self, key: Any) -> None:
        """With `allow_override=False`: `key` must not resolve to a binding already, its own
        or an instance of exactly its class bound under another key."""
        if key in self._bindings:
            already = "is already bound"
        elif can_autowire(key) and self._instance_of(key) is not None:
            already = "already resolves to the instance of it bound under another key"
        else:
            return
        raise BindingError(
            f"{key_name(key)} {already} (the container was made with allow_override=False)",
            path=(key_name(key),),
            fix="bind each key once, or make the container with allow_override=True",
        )

    def declare_context(self, *keys: Any) -> None:
        """Declare keys whose values each scope supplies through `scope(context=...)`.

        Adapters declare their framework's objects (a Request, a task message) this way so that
        factories can depend on them; `validate()` then knows they are not missing.
        """
        with self._resolution.lock:
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
            self._resolution.clear()

    # what provides a key

    def _bound(self, key: Any) -> Provider | None:
        """The override or binding of `key`, if any."""
        return self._overrides.providers.get(key) or self._bindings.get(key)

    def _provider_for(self, key: Any) -> Provider:
        provider = self._bound(key)
        if provider is not None:
            return provider
        if key in self._context_keys or key in self._propagation.entries:
            # an unbound propagated key arrives with the work (or is given as context)
            return Provider(key, Kind.CONTEXT_VALUE, None, CONTEXT, "context")
        if can_autowire(key):
            bound = self._instance_of(key)
            if bound is not None:
                return bound
            lifetime = declared_lifetime(key) or TRANSIENT
            return Provider(key, Kind.CALL, key, lifetime, "autowired")
        raise MissingBindingError(
            f"no binding for {key_name(key)}", path=(key_name(key),), fix=missing_fix(key)
        )

    def _instance_of(self, cls: Any) -> Provider | None:
        """The one instance bound under another key (`container[Base] = Impl(...)`) whose
        class is `cls`: asked for by its own class, it is that instance, not a new one."""
        found = [
            provider
            for provider in self._bindings.values()
            if provider.kind is Kind.INSTANCE
            and type(provider.target) is cls
            and provider.key not in self._not_concrete
        ]
        if not found:
            return None
        if len(found) > 1:
            keys = ", ".join(key_name(provider.key) for provider in found)
            raise BindingError(
                f"{key_name(cls)} is not bound, and instances of it are bound under {keys}: "
                "which one it means is not clear",
                path=(key_name(cls),),
                fix=f"bind {key_name(cls)} itself: container[{key_name(cls)}] = "
                f"container.get(<one of {keys}>)",
            )
        (bound,) = found
        return Provider(cls, Kind.INSTANCE, bound.target, bound.lifetime, bound.origin)

    def _can_provide(self, key: Any) -> bool:
        return (
            key in self._overrides.providers
            or key in self._bindings
            or key in self._context_keys
            or key in self._propagation.entries
        )

    # factories called with arguments (injectq 0.5.0's faces)

    @property
    def factories(self) -> Factories:
        """`container.factories[key] = factory` binds it; `container.factories[key]` is it."""
        return Factories(self)

    def get_factory(self, key: Any) -> Callable[..., Any]:
        """The function (or class) that makes `key`, uncalled; MissingBindingError when
        `key` is not made by one (unbound, an instance, a context value)."""
        provider = self._bound(key)
        if provider is None or provider.kind in (Kind.INSTANCE, Kind.CONTEXT_VALUE):
            raise MissingBindingError(
                f"no factory for {key_name(key)}",
                path=(key_name(key),),
                fix=f"container.bind_factory({key_name(key)}, factory)",
            )
        factory: Callable[..., Any] = provider.target
        return factory

    async def aget_factory(self, key: Any) -> Callable[..., Any]:
        """`get_factory`, for async code (injectq 0.5.0 awaited it)."""
        return self.get_factory(key)

    def call_factory(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        """`key`'s factory called with exactly these arguments (nothing injected)."""
        return self.get_factory(key)(*args, **kwargs)

    async def acall_factory(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        """`call_factory`, awaiting an async factory."""
        return await awaited(self.get_factory(key)(*args, **kwargs))

    def invoke(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        """`key`'s factory called with these arguments, the others injected (plain-typed ones
        only from a value bound under their name)."""
        factory = self.get_factory(key)
        injector = self._invoker(key, factory)
        injector.resolve(kwargs, None, args)
        check_given(factory, injector.name, args, kwargs)
        return factory(*args, **kwargs)

    async def ainvoke(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        """`invoke`, awaiting async factories (the one called and those it needs)."""
        factory = self.get_factory(key)
        injector = self._invoker(key, factory)
        await injector.aresolve(kwargs, None, args)
        check_given(factory, injector.name, args, kwargs)
        return await awaited(factory(*args, **kwargs))

    def _invoker(self, key: Any, factory: Callable[..., Any]) -> Injector:
        """The injector of what `invoke` fills in for `factory`, made (and compiled) once per
        binding generation, not per call."""
        generation = self._resolution.generation
        try:
            cached = self._invokers.get(factory)
        except TypeError:  # an unhashable callable: made each time
            cached = None
        if cached is not None and cached[0] == generation:
            return cached[1]
        injector = invoke_arguments(self, factory, f"invoke({key_name(key)})")
        with contextlib.suppress(TypeError):
            self._invokers[factory] = (generation, injector)
        return injector

    def remove_binding(self, key: Any) -> None:
        """`unbind(key)` (injectq 0.5.0's name)."""
        self.unbind(key)

    def unbind(self, key: Any) -> None:
        """Remove `key`'s binding (`del container[key]`); KeyError when it has none. Its
        singleton, and those of what depends on it, are no longer handed out (each made one is
        still finalized when the container closes); what resolves `key` is recompiled."""
        with self._resolution.lock:
            if key not in self._bindings:
                raise KeyError(f"{key_name(key)} is not bound")
            self._overrides.drop_made(key)
            del self._bindings[key]
            self._sources.forget(key)
            self._not_concrete.discard(key)
            self._resolution.clear()

    def __delitem__(self, key: Any) -> None:
        self.unbind(key)

    def __contains__(self, key: object) -> bool:
        """`key in container`: True when `key` is bound, overridden or a scope context key
        (what `is_bound` says; a key that cannot be one is not in it)."""
        try:
            return self._can_provide(key)
        except TypeError:  # unhashable: never a key
            return False

    def has(self, key: Any) -> bool:
        """`key in container` (injectq 0.5.0's name)."""
        return key in self

    async def aget_optional(self, key: Any) -> Any:
        """The value of an `Inject[key | None]` parameter, for code that resolves one
        itself (an adapter's dependency function): None when nothing provides `key` (not
        bound, overridden, a context value nor autowirable), else `aget(key)`."""
        injector = self._optional_injectors.get(key)
        if injector is None:
            parameter = InjectedParameter.of_key(_OPTIONAL, key, optional=True)
            injector = self._optional_injectors.setdefault(
                key, self.injector((parameter,), name=_OPTIONAL)
            )
        values: dict[str, Any] = {}
        try:
            await injector.aresolve(values)
        except InjectQError as error:
            if error.path[:1] == (_OPTIONAL,):  # the injector's own name: the caller's instead
                error.path = error.path[1:]
            raise
        return values.get(_OPTIONAL)

    def try_get(self, key: Any, default: Any = None) -> Any:
        """`get(key)`, or `default` when nothing provides `key` (MissingBindingError); any
        other error is raised."""
        try:
            return self.get(key)
        except MissingBindingError:
            return default

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
        # each instance has its own, faster `get` (see __init__); this one behaves the same
        return getter(self._resolution)(key)

    @overload
    def __getitem__(self, key: Callable[..., T]) -> T: ...
    @overload
    def __getitem__(self, key: str) -> Any: ...
    def __getitem__(self, key: Any) -> Any:
        """`container[key]` is `container.get(key)`."""
        return self.get(key)

    @overload
    async def aget(self, key: Callable[..., T]) -> T: ...
    @overload
    async def aget(self, key: str) -> Any: ...
    async def aget(self, key: Any) -> Any:
        """Resolve `key` in the active scope, awaiting async factories."""
        return await agetter(self._resolution)(key)

    def injector(
        self,
        target: Callable[..., Any] | Sequence[InjectedParameter],
        *,
        name: str | None = None,
    ) -> Injector:
        """The compiled injection of an entry point's parameters (see `Injector`).

        `target` is a function, whose marked parameters (`Inject[T]`, or an adapter's
        marker) are injected, or the parameters themselves (from `injectq.read_parameters`).
        `name` names the entry point in errors (`GET /orders`, `task send_email`).
        """
        signature: inspect.Signature | None = None
        if callable(target):
            label = name or f"{getattr(target, '__qualname__', target)}()"
            parameters = marked_parameters(target, label)
            try:
                full = inspect.signature(target)
            except (TypeError, ValueError):
                full = None
            if full is not None:
                hidden = {parameter.name for parameter in parameters}
                kept = [p for p in full.parameters.values() if p.name not in hidden]
                signature = full.replace(parameters=kept)
        else:
            label = name or "injector"
            parameters = tuple(target)
        return Injector(self._resolution, parameters, label, signature)

    def source(self, key: Any, *, is_async: bool = False) -> str:
        """The Python source InjectQ generated to resolve `key`, with every generated
        function it calls (for reading and debugging)."""
        return self._resolution.source(key, is_async=is_async)

    # scopes

    def scope(
        self,
        name: str | None = None,
        *,
        context: Mapping[Any, Any] | None = None,
        isolated: bool = False,
        label: object = None,
        log_failures: logging.Logger | None = None,
    ) -> Scope:
        """A new scope, a child of the active one (of the container when `isolated`).

        Use it as `with container.scope():` or `async with container.scope():`. Values in
        `context` are injectable inside it, keyed as given. `label` names the unit of work in
        messages (`str()` of it is taken only when one is written); with `log_failures`,
        finalizers that fail are logged there instead of raised.
        """
        return Scope(
            self._runtime,
            name,
            context=context,
            isolated=isolated,
            label=label,
            log_failures=log_failures,
        )

    def async_scope(self, name: str | None = None) -> Scope:
        """`scope(name)` (injectq 0.5.0's name for `async with`; a scope is both)."""
        return self.scope(name)

    def opener(
        self,
        name: str | None = None,
        *,
        context: Iterable[Any] = (),
        isolated: bool = False,
        log_failures: logging.Logger | None = None,
    ) -> ScopeOpener:
        """What an adapter opens its units of work with: `opener(values, label)` is
        `scope(name, context=values, isolated=..., label=label, log_failures=...)`, with the
        name checked and the `context` keys declared once, here. The values it is given are
        a new dict of those keys (the framework's objects) and are not checked again."""
        if name is not None and (type(name) is not str or not name):
            check_scope_name(name)
        keys = frozenset(context)
        if keys:
            self.declare_context(*keys)
        return ScopeOpener(self._runtime, name, keys, isolated, log_failures)

    def _open_scope(
        self, name: str | None, context: Mapping[Any, Any] | None, isolated: bool
    ) -> tuple[Scope, dict[Any, Any]]:
        """Check a scope's name and context values; return its parent and initial cache."""
        if name is not None and (type(name) is not str or not name):
            check_scope_name(name)
        parent = self._root if isolated else (self._active.get(None) or self._root)
        if not context:
            return parent, {}
        values = dict(context)
        declared = self._context_keys
        undeclared: list[Any] = []
        for key, value in values.items():
            if key in declared:
                if value is None or (type(value) is not key and not plain_instance(key, value)):
                    check_context_value(key, value)
                continue
            provider = self._bindings.get(key)
            if provider is None:
                check_key(key, action="give in a scope context")
            if value is None or (type(value) is not key and not plain_instance(key, value)):
                check_context_value(key, value)
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

    @property
    def current_scope(self) -> Scope | None:
        """The active scope of this container in the current context, if any."""
        return self._active.get(None)

    # context that travels with handed-off work

    def propagate(
        self, key: Any, *, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        """Declare that `key`'s value in a unit of work travels with the work it hands off.

        `key` is a dataclass or pydantic model of plain fields, or a str/int/float/bool
        NewType. The adapters export it from the sender's scope (`export_context`) and import
        it into the receiver's (`import_context`): a task sees the request's correlation id.
        """
        with self._resolution.lock:
            self._propagation.declare(key, name, max_bytes, self._bindings.get(key))
            self._resolution.clear()

    def export_context(
        self,
        scope: Scope | None = None,
        *,
        required: Iterable[Any] = (),
        receiver: str = "the receiver",
        carried: Mapping[str, object] | None = None,
    ) -> dict[str, str]:
        """The propagated values of `scope` (default: the active one) as plain JSON text.

        Returns `{}` outside any scope. A propagated key that the scope cannot provide (no
        binding, no context value) is left out, unless it is in `required` (what the
        `receiver` needs, see `propagated_needs`) and not already in `carried` (what the
        message carries anyway, e.g. a schedule's labels): then PropagationError names the
        sender's unit of work and the value. Any other failure is raised.
        """
        if not self._propagation.entries:  # nothing declared: the common case, per send
            return {}
        source = scope if scope is not None else self._active.get(None)
        exported = self._propagation.export(source)
        if required:
            self._propagation.require(exported, required, source, receiver, carried or {})
        return exported

    @property
    def propagates(self) -> bool:
        """True once a key was declared with `propagate()` (adapters skip the export when not)."""
        return bool(self._propagation.entries)

    def propagated_needs(self, keys: Iterable[Any]) -> frozenset[Any]:
        """The propagated keys (see `propagate`) that resolving `keys` reaches: what a unit
        of work asking for `keys` must receive from its sender. Keys whose graph is broken are
        passed over (`validate` reports them)."""
        if not self._propagation.entries:
            return frozenset()
        with self._resolution.lock:
            return self._propagation.needed(self._graph.node, keys)

    def import_context(self, carried: Mapping[str, object]) -> dict[Any, Any]:
        """Rebuild propagated values from what a message carried, for `scope(context=...)`.

        Only declared keys are read; a malformed, oversized or ill-typed value raises
        PropagationError (the unit of work must fail rather than run with it). Entries not
        named like propagated values are ignored.
        """
        if not self._propagation.entries:  # nothing declared: the common case, per message
            return {}
        return self._propagation.import_(carried)

    # testing

    def override(
        self, key: Any, value: Any, *, scope: str | None = None
    ) -> AbstractContextManager[Any]:
        """While active, `key` resolves to `value` everywhere: API, tasks, tools.

        `value` is read as `bind` reads it (a class is built, with `scope` as its lifetime;
        anything else is that object), except that it need not inherit from `key`: test
        doubles often do not. Singletons already made that depend on `key` are set aside and
        rebuilt on demand with the override; when it ends they come back.
        """
        provider = value_provider(key, value, scope, origin="override", check_type=False)
        return self._overrides.apply(provider, value)

    # validation and shutdown

    def validate(self, *, entry_points: Iterable[object] = ()) -> list[ValidationWarning]:
        """Check every binding's graph now, and each entry point in its own runtime.

        Raises ValidationError listing every problem at once; returns (and emits through
        `warnings`) what is suspicious but not wrong. `entry_points` takes `EntryPoint`s or
        `@inject` functions (the adapters add their endpoints, tasks and tools).
        """
        from ._validation import validate

        with self._resolution.lock:
            propagated = frozenset(self._propagation.entries)
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

        with self._resolution.lock:
            view = build_view(
                self._provider_for,
                self._can_provide,
                can_autowire,
                list(self._bindings),
                entry_points,
                frozenset(self._propagation.entries),
            )
        return render(view, format)

    def dependency_nodes(self) -> list[KeyNode]:
        """Each bound key and each key they reach, breadth-first, as `graph()` draws them: its
        name, its lifetime (or what is wrong with it) and the keys injected into it."""
        from ._graph_view import key_nodes

        with self._resolution.lock:
            return key_nodes(
                self._provider_for, self._can_provide, can_autowire, list(self._bindings)
            )

    def visualize_dependencies(self) -> DependencyVisualizer:
        """injectq 0.5.0's API: a `DependencyVisualizer` of this container."""
        from .diagnostics import DependencyVisualizer

        return DependencyVisualizer(self)

    def get_dependency_graph(self) -> dict[Any, list[Any]]:
        """Each bound key, and each key they reach, with the keys injected into it (the edges
        `graph()` draws, as a dict; nothing is built)."""
        return {node.key: list(node.dependencies) for node in self.dependency_nodes()}

    def compile(self) -> None:
        """Compile the resolution plan of every bound key now rather than on first use (the
        graph problems `validate()` reports are raised here as they would be by `get`)."""
        for key in list(self._bindings):
            self._resolution.async_resolver(key)
            if not self._graph.node(key).async_path:  # `get` cannot resolve it otherwise
                self._resolution.sync_resolver(key)

    def lifespan(
        self,
        name: str = "a runtime",
        *,
        log_failures: logging.Logger | None = None,
        drain: float = 30.0,
    ) -> Lifespan:
        """An async context manager held for as long as a runtime serves this container (an
        app's lifespan, a worker, an MCP server): the singletons are closed (`aclose`) when
        the last open one ends, so runtimes sharing the container in one process share its
        singletons until the last of them stops. The last one first waits up to `drain`
        seconds for the units of work still open (`units_open`), then closes the singletons
        (a warning names what was still open). `name` says which runtime, in messages."""
        return Lifespan(self._serving, self.aclose, name, log_failures, self._open_units, drain)

    @staticmethod
    def _forget_the_parents_singletons() -> None:
        """In a forked child: the singletons made before the fork (a connection pool, a
        client with open sockets) are the parent's, and so is closing them; the child makes
        its own."""
        for container in list(_containers):
            container._forget_inherited()

    def _forget_inherited(self) -> None:
        self._root.forget()
        self._resolution.made.clear()
        self._runtime.units.clear()
        self._serving.count = 0

    @property
    def units_open(self) -> int:
        """How many units of work opened with an `opener()` (the adapters' requests, task
        attempts, tool calls) have not closed yet."""
        return len(self._runtime.units)

    def _open_units(self) -> list[str]:
        return [unit.label for unit in list(self._runtime.units)]

    @property
    def lifespans_open(self) -> int:
        """How many `lifespan()`s of this container are open."""
        return self._serving.count

    def clear_scope(self, name: str) -> None:
        """Finalize and forget what a lifetime holds, outside the scopes that own it:
        "singleton" closes the singletons (the next `get` makes new ones), "transient" holds
        nothing. A named scope's instances are finalized when that scope closes; clearing
        one while it is open in this context is a ScopeError; a near miss of a lifetime
        (`"singelton"`) is a BindingError, as everywhere a lifetime is named."""
        check_lifetime(name)
        if name == SINGLETON:
            self.close()
            return
        scope = self.current_scope
        while scope is not None and scope.parent is not None:
            if name in (scope.name, SCOPED):
                raise ScopeError(
                    f"cannot clear the scope {scope.label!r} while it is open",
                    path=(name,),
                    fix="close it (leave its `with` block) and open a new one: a scope's "
                    "instances are finalized when it closes",
                )
            scope = scope.parent

    def clear_all_scopes(self) -> None:
        """`clear_scope("singleton")` (nothing else lives outside an open scope)."""
        self.clear_scope(SINGLETON)

    def close(self, *, log_failures: logging.Logger | None = None) -> None:
        """Finalize the singletons (newest first); the container can be used again after.

        Failed finalizers are raised as one `FinalizationError`, or logged to `log_failures`.
        """
        try:
            self._root.close(log_failures=log_failures)
        finally:
            self._resolution.made.clear()

    async def aclose(self, *, log_failures: logging.Logger | None = None) -> None:
        """Finalize the singletons, running async finalizers too (failures as in `close`)."""
        try:
            await self._root.aclose(log_failures=log_failures)
        finally:
            self._resolution.made.clear()
