// The screen the front desk keeps open all day.
import { PageHeader } from '../components/ui/PageHeader';
import { StatsCards } from '../components/dashboard/StatsCards';
import { LiveCallsPanel } from '../components/dashboard/LiveCallsPanel';
import { WorkQueuePanel } from '../components/work-queue/WorkQueuePanel';
import { RecentCalls } from '../components/dashboard/RecentCalls';
import { TodaysBookings } from '../components/dashboard/TodaysBookings';

export function DashboardPage() {
  return (
    <div className="page page--dashboard">
      <PageHeader title="Dashboard" />
      <StatsCards />
      <div className="dashboard-grid">
        <LiveCallsPanel />
        <div className="dashboard-grid__side">
          <WorkQueuePanel />
          <TodaysBookings />
        </div>
        <RecentCalls />
      </div>
    </div>
  );
}
