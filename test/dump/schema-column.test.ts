/**
 * The schema side's column record (src/dump/schema/column.ts) is compact: every table's columns are alive until its
 * CREATE TABLE is printed, so a field most columns leave at its default must not cost a slot in every column.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Column, type ColumnRow } from '../../src/dump/schema/column.js';

function row(extra: Partial<ColumnRow> = {}): ColumnRow {
  return {
    attnum: 2, name: 'name', typid: 25, type: 'text', notnull: true, dropped: false, local: true,
    identity: '', generated: '', stattarget: null, storage: 'x', typstorage: 'x', compression: '',
    collnsp: null, collname: null, options: null, acl: null, def: null, defOid: null,
    inhNotNull: false, fdwoptions: '', nnName: null, nnOid: null, nnNoInherit: false, nnLocal: false, nnValid: false,
    ...extra,
  };
}

const FIELDS: (keyof ColumnRow)[] = [
  'attnum', 'name', 'typid', 'type', 'notnull', 'dropped', 'local', 'identity', 'generated', 'stattarget', 'storage', 'typstorage',
  'compression', 'collnsp', 'collname', 'options', 'acl', 'def', 'defOid', 'inhNotNull', 'fdwoptions', 'nnName', 'nnOid',
  'nnNoInherit', 'nnLocal', 'nnValid',
];

describe('Column', () => {
  it('reads back every field of the catalog row', () => {
    const rows = [
      row(),
      row({ notnull: false, dropped: true, local: false, inhNotNull: true, def: "nextval('s'::regclass)", defOid: 16400 }),
      row({ identity: 'a', stattarget: 500, storage: 'e', compression: 'l', collnsp: 'pg_catalog', collname: 'C', options: 'n_distinct=1', acl: ['r=r/o'] }),
      row({ generated: 's', fdwoptions: "a 'b'", nnName: 't_name_not_null', nnOid: 16500, nnNoInherit: true, nnLocal: true, nnValid: true }),
    ];
    for (const r of rows) {
      const c = new Column(r);
      for (const f of FIELDS) assert.deepEqual(c[f], r[f], f);
    }
    const c = new Column(row());
    c.inhNotNull = true;
    assert.equal(c.inhNotNull, true);
    assert.equal(c.notnull, true, 'setting one flag keeps the others');
    c.inhNotNull = false;
    assert.equal(c.inhNotNull, false);
  });

  it('keeps the rarely set fields out of the record when they are at their default', () => {
    const plain = new Column(row());
    // The record holds its identity, type, default and flags: not a slot for each of the 26 catalog fields (240 bytes).
    assert.ok(Object.keys(plain).length <= 9, `own fields: ${Object.keys(plain).join(', ')}`);
    for (const f of ['identity', 'storage', 'typstorage', 'compression', 'collname', 'options', 'acl', 'fdwoptions', 'nnName', 'notnull']) {
      assert.ok(!Object.hasOwn(plain, f), `${f} is not an own field`);
    }
    assert.equal(plain.sharesDefaults, true);
    assert.equal(new Column(row({ attnum: 7, name: 'other' })).sharesDefaults, true);
    assert.equal(new Column(row({ storage: 'p', typstorage: 'p' })).sharesDefaults, true);
    assert.equal(new Column(row({ storage: 'e' })).sharesDefaults, false, 'a storage other than the type\'s is its own');
    assert.equal(new Column(row({ acl: ['r=r/o'] })).sharesDefaults, false);
  });
});
