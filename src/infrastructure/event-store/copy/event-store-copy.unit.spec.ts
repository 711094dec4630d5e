import { eventStoreKind, redactUrl, UnsupportedEventStoreUrlError } from '../event-store-url';
import { asynchronousCommitUrl } from './postgres-bulk-target';
import { canonicalJson } from './verify-copy';

describe('events:copy helpers', () => {
  it('canonical JSON sorts keys at every level and keeps array order, so jsonb and KurrentDB bytes hash alike', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson(['b', 'a'])).not.toBe(canonicalJson(['a', 'b']));
  });

  it('picks the adapter by URL scheme, as EVENTSTORE_URL does', () => {
    expect(eventStoreKind('postgres://u@h/db')).toBe('postgres');
    expect(eventStoreKind('postgresql://u@h/db')).toBe('postgres');
    for (const url of ['kurrentdb://h:2113?tls=false', 'esdb://h:2113', 'kdb+discover://a,b,c']) expect(eventStoreKind(url)).toBe('kurrentdb');
    expect(() => eventStoreKind('mysql://h/db')).toThrow(UnsupportedEventStoreUrlError);
    expect(() => eventStoreKind('not a url')).toThrow('not a URL');
  });

  it('never shows a password or query parameters', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/orders?sslmode=require')).toBe('postgres://app:***@db:5432/orders');
    expect(redactUrl('kurrentdb://admin:changeit@k:2113?tls=false')).not.toContain('changeit');
  });

  it('a bulk PostgreSQL target turns synchronous_commit off, keeping options already given', () => {
    const url = new URL(asynchronousCommitUrl('postgres://u@h/db?options=-c%20work_mem%3D64MB&sslmode=disable'));
    expect(url.searchParams.get('options')).toBe('-c work_mem=64MB -c synchronous_commit=off');
    expect(url.searchParams.get('sslmode')).toBe('disable');
  });
});
