// Runs once before any worker starts: builds renderer/dist if it is missing or stale, so parallel
// workers never build it at the same time (one would serve files the other is rewriting).
import { ensureFreshRendererBuild } from './renderer-console.js';

export default async function globalSetup(): Promise<void> {
  await ensureFreshRendererBuild();
}
