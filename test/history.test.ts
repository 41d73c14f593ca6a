// History as plain code: the chathistory selections over a conversation's events (the bounds
// irctest checks, exclusive, counted from the bound nearest the question), and the store's
// bounds (events and bytes per conversation, bytes in all, private conversations forgotten with
// their connection).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RoomEvent } from '../src/model/events.js';
import { idKey, select, type HistorySelect } from '../src/model/history.js';
import { HistoryStore, keptBytes } from '../src/gateway/history.js';

/** Ten lines, 20 ms apart, ids `<ms>-0`; line i says `m<i>`. */
const T0 = 1_700_000_000_000;
const said = (i: number, room = 'dev', text = `m${i}`): RoomEvent => ({ k: 'said', room, id: `${T0 + 20 * i}-0`, at: T0 + 20 * i, nick: 'bob', text });
const ten = Array.from({ length: 10 }, (_, i) => said(i));
const texts = (q: HistorySelect): string[] => select(ten, q).map((e) => (e.k === 'said' ? e.text : '?'));
const msgid = (i: number) => ({ msgid: ten[i]!.id });
const time = (i: number) => ({ at: ten[i]!.at });
const range = (a: number, b: number): string[] => Array.from({ length: b - a }, (_, k) => `m${a + k}`);

const sel = suite('history: the chathistory selections');
sel('LATEST: the newest N, oldest first; with a bound, only those after it', () => {
  assert.equal(texts({ dir: 'latest', limit: 20 }), range(0, 10));
  assert.equal(texts({ dir: 'latest', limit: 5 }), range(5, 10));
  assert.equal(texts({ dir: 'latest', limit: 1 }), ['m9']);
  assert.equal(texts({ dir: 'latest', after: msgid(4), limit: 20 }), range(5, 10));
  assert.equal(texts({ dir: 'latest', after: time(4), limit: 20 }), range(5, 10));
  assert.equal(texts({ dir: 'latest', after: msgid(4), limit: 2 }), ['m8', 'm9'], 'the newest of those after it');
});
sel('BEFORE and AFTER exclude their bound and count from it', () => {
  assert.equal(texts({ dir: 'before', ref: msgid(6), limit: 20 }), range(0, 6));
  assert.equal(texts({ dir: 'before', ref: time(6), limit: 2 }), ['m4', 'm5']);
  assert.equal(texts({ dir: 'after', ref: msgid(3), limit: 20 }), range(4, 10));
  assert.equal(texts({ dir: 'after', ref: time(3), limit: 3 }), ['m4', 'm5', 'm6']);
});
sel('AROUND: the line itself for 1, one each side for 3', () => {
  assert.equal(texts({ dir: 'around', ref: msgid(7), limit: 1 }), ['m7']);
  assert.equal(texts({ dir: 'around', ref: msgid(7), limit: 3 }), ['m6', 'm7', 'm8']);
  assert.ok(texts({ dir: 'around', ref: time(7), limit: 3 }).includes('m7'));
  assert.equal(texts({ dir: 'around', ref: msgid(0), limit: 3 }), ['m0', 'm1', 'm2'], 'at the start: what there is');
});
sel('BETWEEN either way round: exclusive, counted from the first bound, oldest first', () => {
  for (const ref of [msgid, time]) {
    assert.equal(texts({ dir: 'between', from: ref(0), to: ref(9), limit: 20 }), range(1, 9));
    assert.equal(texts({ dir: 'between', from: ref(9), to: ref(0), limit: 20 }), range(1, 9));
    assert.equal(texts({ dir: 'between', from: ref(0), to: ref(9), limit: 3 }), ['m1', 'm2', 'm3']);
    assert.equal(texts({ dir: 'between', from: ref(9), to: ref(0), limit: 3 }), ['m6', 'm7', 'm8']);
  }
  assert.equal(texts({ dir: 'between', from: msgid(4), to: msgid(5), limit: 3 }), [], 'nothing strictly between neighbours');
});
sel('a piece of a split line names its event; an id of another shape names none', () => {
  assert.equal(idKey('1700000000000-3:2'), [1_700_000_000_000, 3]);
  assert.is(idKey('x-1'), null);
  assert.is(idKey('1-2-3'), null);
  assert.equal(texts({ dir: 'before', ref: { msgid: `${ten[6]!.id}:1` }, limit: 20 }), range(0, 6));
  assert.equal(texts({ dir: 'latest', limit: 0 }), [], 'a limit of 0 selects nothing');
});
sel.run();

const store = suite('history: the store and its bounds');
store('a room keeps its newest events up to the count; lines are what it shows', () => {
  const h = new HistoryStore({ events: 5, conversationBytes: 1 << 20, totalBytes: 1 << 30 });
  for (let i = 0; i < 8; i++) h.record(said(i));
  h.record({ k: 'joined', room: 'dev', id: `${T0 + 500}-0`, at: T0 + 500, nick: 'carol' });
  assert.is(h.events, 5);
  assert.equal(h.lines('dev').map((e) => e.id), [4, 5, 6, 7].map((i) => ten[i]!.id), 'the join is kept, but is no line');
  assert.equal(h.newest('dev', 2).map((e) => (e.k === 'said' ? e.text : '')), ['m6', 'm7']);
  assert.equal(h.newest('elsewhere', 2), []);
});
store('bytes per conversation: a flood of long lines keeps what fits, and always the last line', () => {
  const long = 'x'.repeat(4000);
  const one = keptBytes(said(0, 'dev', long));
  const h = new HistoryStore({ events: 1000, conversationBytes: one * 3, totalBytes: 1 << 30 });
  for (let i = 0; i < 10; i++) h.record(said(i, 'dev', long));
  assert.is(h.events, 3);
  assert.is(h.bytes, one * 3);
  const tiny = new HistoryStore({ events: 1000, conversationBytes: 10, totalBytes: 1 << 30 });
  tiny.record(said(0, 'dev', long));
  assert.is(tiny.events, 1, 'a line over the cap is still the last line');
});
store('bytes in all: the conversation written to longest ago loses its oldest events first', () => {
  const one = keptBytes(said(0, 'a'));
  const h = new HistoryStore({ events: 1000, conversationBytes: 1 << 20, totalBytes: one * 4 });
  h.record(said(0, 'a'));
  h.record(said(1, 'a'));
  h.record(said(2, 'b'));
  h.record(said(3, 'b'));
  h.record(said(4, 'b'));
  assert.ok(h.bytes <= one * 4);
  assert.equal(h.lines('a').map((e) => e.id), [ten[1]!.id]);
  assert.is(h.lines('b').length, 3);
  for (let i = 5; i < 9; i++) h.record(said(i, 'b'));
  assert.equal(h.lines('a'), [], 'emptied and gone');
  assert.is(h.lines('b').length, 4);
  assert.is(h.bytes, one * 4);
});
store('private conversations are per pair of connections, and go with either of them', () => {
  const h = new HistoryStore({ events: 10, conversationBytes: 1 << 20, totalBytes: 1 << 30 });
  const line = (i: number, from: string, to: string) => ({ k: 'private', id: `${T0 + i}-0`, at: T0 + i, from, to, text: `p${i}` }) as const;
  h.recordPrivate(1, 2, line(1, 'alice', 'bob'));
  h.recordPrivate(2, 1, line(2, 'bob', 'alice'));
  h.recordPrivate(1, 3, line(3, 'alice', 'carol'));
  assert.equal(h.privateLines(2, 1).map((e) => e.id), [`${T0 + 1}-0`, `${T0 + 2}-0`]);
  assert.equal([...h.partnersOf(1)].sort(), [2, 3]);
  assert.is(h.latestPrivate(1, 3), T0 + 3);
  const before = h.bytes;
  h.forget(1);
  assert.equal(h.privateLines(2, 1), []);
  assert.equal([...h.partnersOf(2)], []);
  assert.is(h.bytes, 0);
  assert.ok(before > 0);
});
store.run();
