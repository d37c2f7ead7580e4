// Who may change the clinic's configuration (the assistant, its transfer number, its knowledge base):
// administrators only, as the backend enforces. Front-desk staff see the same pages read-only. The
// role is the signed-in user's, as the main process reports it in the session state.
import { useSession } from '../stores/context';

export function useCanConfigure(): boolean {
  return useSession((s) => s.session !== null && s.session.status !== 'signed-out' && s.session.user.role === 'admin');
}
