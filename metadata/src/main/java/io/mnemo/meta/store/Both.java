package io.mnemo.meta.store;

import java.util.Optional;

/** The values stored under one key in two tables, read at the same instant (see {@link ReadView#get(Table, Table, Object)}). */
public record Both<A, B>(Optional<A> first, Optional<B> second) {}
