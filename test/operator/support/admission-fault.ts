/**
 * Fault injection with the API server's own admission: a ValidatingAdmissionPolicy that refuses one kind of write in
 * one namespace, until removed. A step meets a real refusal between two of its writes, as it would on a real cluster.
 */
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { waitUntil } from '../../../src/infra/wait';
import { apiStatus } from '../../../src/kube/client';
import { kube } from '../../helpers/stack';

export interface RefusalRule {
  /** Unique per test: the policy's and binding's name. */
  name: string;
  namespace: string;
  apiGroup: string;
  resource: string;
  /** Which writes are judged (UPDATE unless told). */
  operations?: string[];
  /** CEL over `object` and `oldObject`: true means refuse. */
  refuseWhen: string;
  /** A write that the rule refuses, tried as a dry run: the refusal is in force once it is refused. */
  probe: () => Promise<unknown>;
}

const admission = () => kube().config.makeApiClient(AdmissionregistrationV1Api);

const refused = async (probe: () => Promise<unknown>) =>
  probe().then(
    () => false,
    (error: unknown) => apiStatus(error) === 422 || apiStatus(error) === 403,
  );

/** Installs the refusal and waits until the API server enforces it (policies reach admission asynchronously). */
export async function refuse(rule: RefusalRule): Promise<{ lift(): Promise<void> }> {
  await admission().createValidatingAdmissionPolicy({
    body: {
      metadata: { name: rule.name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [rule.apiGroup], apiVersions: ['*'], operations: rule.operations ?? ['UPDATE'], resources: [rule.resource] }] },
        validations: [{ expression: `!(${rule.refuseWhen})`, message: `refused by test fault ${rule.name}` }],
      },
    },
  });
  await admission().createValidatingAdmissionPolicyBinding({
    body: {
      metadata: { name: rule.name },
      spec: { policyName: rule.name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': rule.namespace } } } },
    },
  });
  await waitUntil(() => refused(rule.probe), { timeoutMs: 30_000, describe: () => `policy ${rule.name} never took effect` });
  return {
    async lift() {
      await admission().deleteValidatingAdmissionPolicyBinding({ name: rule.name }).catch(() => undefined);
      await admission().deleteValidatingAdmissionPolicy({ name: rule.name }).catch(() => undefined);
      await waitUntil(async () => !(await refused(rule.probe)), { timeoutMs: 30_000, describe: () => `policy ${rule.name} still refuses` });
    },
  };
}
