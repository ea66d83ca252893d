import { defineFlows } from './flows.ts';
import { firefox } from './firefox.ts';

defineFlows(firefox);
