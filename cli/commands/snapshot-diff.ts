import { notAvailable } from '../not-available.js';

export default notAvailable('snapshot diff', 'part 3: recovery');
