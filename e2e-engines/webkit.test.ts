import { defineFlows } from './flows.ts';
import { webkit } from './webdriver.ts';

defineFlows(webkit);
