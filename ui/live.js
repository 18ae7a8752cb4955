// One live stream of every job's events (GET /v1/events) for the whole page;
// views subscribe while they are shown. After a drop it resumes after the
// last event it saw (Last-Event-ID), so nothing is missed.

import { events } from './api.js';

const listeners = new Set();

export function onJobEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function followEvents(setLive) {
  let lastId = null;
  for (;;) {
    try {
      setLive('connecting');
      for await (const ev of events('/v1/events', { lastEventId: lastId, onOpen: () => setLive('on') })) {
        lastId = ev.id ?? lastId;
        for (const fn of listeners) fn(ev.data, ev.event);
      }
    } catch (e) {
      console.warn('event stream', e);
    }
    setLive('off');
    await new Promise((r) => setTimeout(r, 2000));
  }
}
