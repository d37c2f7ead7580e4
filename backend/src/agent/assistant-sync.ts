// The seam between the clinic's saved personality and the voice platform that runs the assistant.
// Telephony implements it against Vapi (or the sandbox) and backend.ts injects it into the agent
// service; the agent service only records and reports what it says.
import type { AgentPersonality } from '@voxanne/protocol';

export interface AssistantSyncResult {
  /** `sandbox`: the built-in simulator holds the assistant (no vendor account configured). */
  status: 'synced' | 'failed' | 'sandbox';
  /** Readable reason when the sync failed. */
  message: string | null;
  /** The platform's id for the clinic's assistant (kept so the next sync updates instead of creating). */
  providerAssistantId: string | null;
}

export interface AssistantSync {
  sync(clinicId: string, personality: AgentPersonality, providerAssistantId: string | null): Promise<AssistantSyncResult>;
}

/**
 * Wired until a voice platform is connected: every save is stored but reported as not synced, so the
 * console says so plainly instead of pretending the assistant changed.
 */
export const voicePlatformNotConnected: AssistantSync = {
  async sync(_clinicId, _personality, providerAssistantId) {
    return { status: 'failed', message: 'Voice platform not connected', providerAssistantId };
  },
};
