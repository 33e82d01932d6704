/** Why a disruptive transition waits: the reasons of `status.held` and of the `DisruptionHeld` condition. */
export const HeldReasons = ['OutsideMaintenanceWindow', 'DisruptionBudgetFull', 'InvalidMaintenanceWindow'] as const;
export type HeldReason = (typeof HeldReasons)[number];

/** The condition type: True while a disruptive transition waits, False (reason Started) once it started. */
export const disruptionHeldCondition = 'DisruptionHeld';
