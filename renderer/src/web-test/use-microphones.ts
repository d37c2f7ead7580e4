// The microphones this computer offers, kept current as devices come and go. Names appear once the
// user has allowed microphone access (browsers hide them before that), so unnamed ones are numbered.
import { useEffect, useState } from 'react';

export interface Microphone {
  deviceId: string;
  label: string;
}

export function useMicrophones(refreshKey: unknown): Microphone[] {
  const [microphones, setMicrophones] = useState<Microphone[]>([]);
  useEffect(() => {
    const devices = navigator.mediaDevices;
    if (!devices?.enumerateDevices) return;
    let current = true;
    const refresh = () => {
      devices.enumerateDevices().then(
        (all) => {
          if (!current) return;
          const inputs = all.filter((d) => d.kind === 'audioinput' && d.deviceId !== '' && d.deviceId !== 'default');
          setMicrophones(inputs.map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` })));
        },
        () => current && setMicrophones([]),
      );
    };
    refresh();
    devices.addEventListener('devicechange', refresh);
    return () => {
      current = false;
      devices.removeEventListener('devicechange', refresh);
    };
  }, [refreshKey]);
  return microphones;
}
