import type { StepFactory } from '../../src/flows/step';
import type { StepServices } from '../../src/flows/step-services';
import { createSteps } from './create-steps';
import { lifecycleSteps } from './lifecycle-steps';
import { paramsSteps } from './params-steps';
import { replicaSteps } from './replica-steps';
import { restartSteps } from './restart-steps';
import { topologySteps } from './topology-steps';

/** The shared-storage operator's steps under the seed's classNames (`workflow_shared.<Step>`). */
export const sharedSteps: Record<string, StepFactory<StepServices>> = Object.fromEntries(
  Object.entries({ ...createSteps, ...topologySteps, ...restartSteps, ...paramsSteps, ...replicaSteps, ...lifecycleSteps }).map(([name, factory]) => [
    `workflow_shared.${name}`,
    factory,
  ]),
);
