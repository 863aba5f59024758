import { notAvailable } from '../not-available.js';

export default notAvailable('info', 'part 1: foundation');
