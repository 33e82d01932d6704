import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { Type } from '@sinclair/typebox';
import { mpdClusterApi } from './mpdcluster';
import { MPDClusterRootRules, MPDClusterSpecSchema, MPDClusterStatusSchema } from './mpdcluster-schema';

/** Plain JSON of a TypeBox schema: TypeBox's own symbol keys dropped, as the API server expects. */
function plainSchema(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** The MPDCluster CustomResourceDefinition, generated from the schema (deploy/crd/ holds its YAML). */
export function mpdClusterCrd(): V1CustomResourceDefinition {
  const api = mpdClusterApi;
  const rootSchema = Type.Object({ spec: MPDClusterSpecSchema, status: Type.Optional(MPDClusterStatusSchema) }, { 'x-kubernetes-validations': MPDClusterRootRules });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${api.plural}.${api.group}` },
    spec: {
      group: api.group,
      scope: 'Namespaced',
      names: { kind: api.kind, listKind: api.listKind, plural: api.plural, singular: api.singular, shortNames: [...api.shortNames] },
      versions: [
        {
          name: api.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            // The first of the two present: a refused input (no empty row for a cluster the controller will not act on), else the state.
            { name: 'Status', type: 'string', jsonPath: ".status['inputRefused','clusterStatus']", description: 'the refusal of its input, else the state-machine state' },
            { name: 'State', type: 'string', jsonPath: '.status.clusterStatus', priority: 1, description: 'state-machine state' },
            { name: 'Flow', type: 'string', jsonPath: '.status.workflow.flowName', priority: 0 },
            { name: 'Step', type: 'string', jsonPath: '.status.workflow.step', priority: 0 },
            { name: 'Progress', type: 'string', jsonPath: '.status.workflow.phase', priority: 1 },
            { name: 'Attempt', type: 'integer', jsonPath: '.status.workflow.attempt', priority: 1, description: 'attempt of the step while it retries' },
            { name: 'Last-Error', type: 'string', jsonPath: '.status.workflow.lastError', priority: 1, description: "the step's last failed attempt" },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: plainSchema(rootSchema) },
        },
      ],
    },
  };
}
