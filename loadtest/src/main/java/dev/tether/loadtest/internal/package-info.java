/**
 * The load-test harness's implementation: the run loop, virtual clients, the delivery checker, the event producer,
 * faults and reports. It may change without notice; use {@link dev.tether.loadtest.LoadTest} instead.
 */
package dev.tether.loadtest.internal;
