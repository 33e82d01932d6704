import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The one table of search attributes mpdflow writes; the dev server registers them, the Web UI filters by them. */
export const searchAttributes = {
  cluster: defineSearchAttributeKey('MpdCluster', SearchAttributeType.KEYWORD),
  namespace: defineSearchAttributeKey('MpdNamespace', SearchAttributeType.KEYWORD),
  flow: defineSearchAttributeKey('MpdFlow', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('MpdState', SearchAttributeType.KEYWORD),
} as const;

/** `Name=Type` pairs, as `temporal server start-dev --search-attribute` and `operator search-attribute create` take them. */
export const searchAttributeRegistrations: ReadonlyArray<{ name: string; type: 'Keyword' }> = Object.values(searchAttributes).map(
  (key) => ({ name: key.name, type: 'Keyword' as const }),
);
