import type { StepFactory } from './step';

/** Step implementations by className (e.g. `workflow_shared.InitMeta`), as the seed's RegisterStep kept them. */
export class StepRegistry<Services = unknown> {
  private readonly factories = new Map<string, StepFactory<Services>>();

  register(className: string, factory: StepFactory<Services>): this {
    if (this.factories.has(className)) throw new Error(`step ${className} is registered twice`);
    this.factories.set(className, factory);
    return this;
  }

  registerAll(steps: Record<string, StepFactory<Services>>): this {
    for (const [className, factory] of Object.entries(steps)) this.register(className, factory);
    return this;
  }

  has(className: string): boolean {
    return this.factories.has(className);
  }

  classNames(): string[] {
    return [...this.factories.keys()].sort();
  }

  create(className: string): ReturnType<StepFactory<Services>> {
    const factory = this.factories.get(className);
    if (!factory) throw new Error(`no step registered as ${className}`);
    return factory();
  }
}
