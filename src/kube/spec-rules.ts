import { Type } from '@sinclair/typebox';

/**
 * Rules the API server enforces on the spec, so a bad value is refused when written, in a sentence, instead of
 * failing a flow minutes later. CEL rules carry their own message; string lengths bound their evaluation cost.
 */
export const rule = (celRule: string, messageExpression: string) => ({ 'x-kubernetes-validations': [{ rule: celRule, messageExpression }] });
export const rules = (...list: Array<[celRule: string, messageExpression: string]>) => ({ 'x-kubernetes-validations': list.map(([celRule, messageExpression]) => ({ rule: celRule, messageExpression })) });

/**
 * What an engine pod can run on and what no node has, per resource: below `least` PostgreSQL crawls or is killed at
 * start (0 means: no limit); above `most` is no machine's size. Between `most` and a node's allocatable the controller says it.
 */
export const resourceBounds = {
  cpu: { least: '100m', most: '1024' },
  memory: { least: '128Mi', most: '64Ti' },
  diskQuota: { least: '1Gi', most: '1Pi' },
} as const;

/** The range rule of a quantity, skipped where the value is no quantity (the quantity rule says that). */
const bounded = (field: string, bounds: { least: string; most: string }, zeroAllowed: boolean): [string, string] => [
  `!isQuantity(self) || ${zeroAllowed ? "!quantity(self).isGreaterThan(quantity('0')) || " : ''}(!quantity(self).isLessThan(quantity('${bounds.least}')) && !quantity(self).isGreaterThan(quantity('${bounds.most}')))`,
  `'${field} "' + self + '" is ' + (quantity(self).isLessThan(quantity('${bounds.least}')) ? 'below ${bounds.least}, the least an engine runs on' : 'above ${bounds.most}, more than any machine has') + ': give ${zeroAllowed ? '0 (no limit) or ' : ''}a value from ${bounds.least} to ${bounds.most}'`,
];

/** A Kubernetes quantity (what pods and claims accept): `minSign` 0 allows zero, 1 requires more than zero. */
export const quantity = (field: string, what: string, example: string, minSign: 0 | 1, bounds: { least: string; most: string }, ...more: Array<[string, string]>) =>
  Type.Optional(
    Type.String({
      description: `${what}, a Kubernetes quantity such as "${example}", from ${bounds.least} to ${bounds.most}${minSign ? '' : ' (0: no limit)'}`,
      maxLength: 64,
      ...rules(
        [
          `isQuantity(self) && ${minSign ? "quantity(self).isGreaterThan(quantity('0'))" : "!quantity(self).isLessThan(quantity('0'))"}`,
          `'${field} must be a ${minSign ? 'positive' : 'non-negative'} Kubernetes quantity such as "${example}" (from ${bounds.least} to ${bounds.most}${minSign ? '' : ', or 0: no limit'}), got "' + self + '"'`,
        ],
        bounded(field, bounds, minSign === 0),
        ...more,
      ),
    }),
  );

/** A transition rule: the value may grow, never shrink (what the operator cannot undo). */
export const neverShrinks = (field: string, why: string): [string, string] => [
  '!isQuantity(self) || !isQuantity(oldSelf) || !quantity(self).isLessThan(quantity(oldSelf))',
  `'${field} cannot shrink from ' + oldSelf + ' to ' + self + ': ${why}'`,
];

/** A container image reference: no whitespace ("" means: not set). */
export const image = (field: string) =>
  Type.Optional(Type.String({ maxLength: 512, ...rule(`self == '' || self.matches(r'^\\S+$')`, `'${field} must be an image reference without spaces, got "' + self + '"'`) }));

/** The shared volume's claim name: a DNS name, fixed once set (the volume holds the data: a new name would be a new, empty volume). */
export const volumeName = () =>
  Type.Optional(
    Type.String({
      maxLength: 253,
      ...rules(
        [
          `self == '' || self.matches(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')`,
          `'spec.shareStore.sharePvcName must be a lower-case DNS name (letters, digits, "-" and "."), got "' + self + '"'`,
        ],
        ['self == oldSelf', `'spec.shareStore.sharePvcName cannot change (from "' + oldSelf + '" to "' + self + '"): it names the volume that holds the data'`],
      ),
    }),
  );
