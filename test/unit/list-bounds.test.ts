/**
 * Every list of objects in the schema is bounded: by a `first` argument with a default (its cost
 * multiplies its selection by `first`), or by the cap its data has on the write side. A new list that
 * is neither fails here.
 */
import { complexityFromQuery } from '@pothos/plugin-complexity';
import { getNamedType, isListType, isNonNullType, isObjectType, type GraphQLOutputType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { FIXED_LIST_BOUNDS, LIST_BOUNDS } from '../../src/graphql/list-bounds.js';

const isList = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

const listsOfObjects = Object.values(schema.getTypeMap())
  .filter(isObjectType)
  .filter((type) => !type.name.startsWith('__'))
  .flatMap((type) => Object.values(type.getFields()).map((field) => ({ name: `${type.name}.${field.name}`, field })))
  .filter(({ field }) => isList(field.type) && isObjectType(getNamedType(field.type)));

describe('bounded lists', () => {
  it('finds the lists (sanity)', () => {
    expect(listsOfObjects.map((l) => l.name)).toEqual(
      expect.arrayContaining(['Company.agents', 'Query.agents', 'Query.presence', 'RoutePreview.skipped']),
    );
  });

  it.each(listsOfObjects.map((l) => [l.name, l.field] as const))('%s is bounded', (_name, field) => {
    const first = field.args.find((a) => a.name === 'first');
    const complexity = field.extensions.complexity as unknown;
    if (first) {
      expect(first.defaultValue).toEqual(expect.any(Number));
      expect(typeof complexity).toBe('function');
    } else {
      expect(Object.values(FIXED_LIST_BOUNDS)).toContain((complexity as { multiplier?: number }).multiplier);
    }
  });

  it('a list costs its selection times its bound', () => {
    const cost = (query: string, variables = {}) => complexityFromQuery(query, { schema, variables }).complexity;
    expect(cost('{ agents(companyId: "c") { id displayName } }')).toBe(1 + LIST_BOUNDS.agents.default * 2);
    expect(cost('query($n: Int) { agents(companyId: "c", first: $n) { id } }', { n: 2000 })).toBe(1 + 2000);
    expect(cost('{ company(id: "c") { agents(first: 10) { skills { name } } } }')).toBe(1 + 1 + 10 * (1 + FIXED_LIST_BOUNDS.skills));
  });
});
